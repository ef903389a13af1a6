"""Summarises CSV from standard input: rows, and min, max and mean of each numeric column."""
import csv
import json
import sys


def number(text):
    try:
        return float(text)
    except ValueError:
        return None


def main():
    reader = csv.DictReader(sys.stdin)
    columns = {name: [] for name in reader.fieldnames or []}
    rows = 0
    for row in reader:
        rows += 1
        for name in columns:
            columns[name].append(row.get(name) or '')
    summary = {'rows': rows, 'columns': {}}
    for name, values in columns.items():
        numbers = [number(value) for value in values if value != '']
        if numbers and all(value is not None for value in numbers):
            summary['columns'][name] = {
                'numeric': True,
                'min': min(numbers),
                'max': max(numbers),
                'mean': round(sum(numbers) / len(numbers), 6),
            }
        else:
            summary['columns'][name] = {'numeric': False, 'distinct': len(set(values))}
    json.dump(summary, sys.stdout, sort_keys=True)
    sys.stdout.write('\n')


main()

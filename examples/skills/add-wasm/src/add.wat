;; add: reads two non-negative integers from the Extism input ("2 3", "2,3" or {"a":2,"b":3})
;; and writes their sum in decimal as the output. Assembled to ../main.wasm by
;; packages/workers/scripts/build-wasm.mjs.
(module
  (import "extism:host/env" "input_length" (func $input_length (result i64)))
  (import "extism:host/env" "input_load_u8" (func $input_load_u8 (param i64) (result i32)))
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (memory (export "memory") 1 1)

  ;; Writes $value in decimal as the Extism output.
  (func $output_decimal (param $value i64)
    (local $position i32) (local $length i64) (local $block i64) (local $index i64)
    (local.set $position (i32.const 32))
    (loop $digits
      (local.set $position (i32.sub (local.get $position) (i32.const 1)))
      (i32.store8 (local.get $position)
        (i32.add (i32.const 48) (i32.wrap_i64 (i64.rem_u (local.get $value) (i64.const 10)))))
      (local.set $value (i64.div_u (local.get $value) (i64.const 10)))
      (br_if $digits (i64.ne (local.get $value) (i64.const 0))))
    (local.set $length (i64.extend_i32_u (i32.sub (i32.const 32) (local.get $position))))
    (local.set $block (call $alloc (local.get $length)))
    (local.set $index (i64.const 0))
    (block $done
      (loop $copy
        (br_if $done (i64.ge_u (local.get $index) (local.get $length)))
        (call $store_u8
          (i64.add (local.get $block) (local.get $index))
          (i32.load8_u (i32.add (local.get $position) (i32.wrap_i64 (local.get $index)))))
        (local.set $index (i64.add (local.get $index) (i64.const 1)))
        (br $copy)))
    (call $output_set (local.get $block) (local.get $length)))

  (func (export "run") (result i32)
    (local $length i64) (local $index i64) (local $byte i32)
    (local $current i64) (local $sum i64) (local $in_number i32)
    (local.set $length (call $input_length))
    (block $end
      (loop $scan
        (br_if $end (i64.ge_u (local.get $index) (local.get $length)))
        (local.set $byte (call $input_load_u8 (local.get $index)))
        (if (i32.and (i32.ge_u (local.get $byte) (i32.const 48)) (i32.le_u (local.get $byte) (i32.const 57)))
          (then
            (local.set $current
              (i64.add (i64.mul (local.get $current) (i64.const 10))
                       (i64.extend_i32_u (i32.sub (local.get $byte) (i32.const 48)))))
            (local.set $in_number (i32.const 1)))
          (else
            (if (local.get $in_number)
              (then
                (local.set $sum (i64.add (local.get $sum) (local.get $current)))
                (local.set $current (i64.const 0))
                (local.set $in_number (i32.const 0))))))
        (local.set $index (i64.add (local.get $index) (i64.const 1)))
        (br $scan)))
    (local.set $sum (i64.add (local.get $sum) (local.get $current)))
    (call $output_decimal (local.get $sum))
    (i32.const 0)))

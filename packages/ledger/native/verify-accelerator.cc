// The verification accelerator of @karnel/ledger: the hot loop of `verifyLedger` in C++.
//
// It only ever *vouches* for lines the TypeScript verifier would accept too, and leaves
// everything else to it: a line that is signed, a snapshot, not in the canonical layout, whose
// hash or link does not check out, or that it cannot read for any other reason is handed back,
// and the TypeScript decoder judges it and writes the diagnostic. The two therefore give the
// same report on every input; this file only decides how fast the ordinary case goes.
//
// Why native at all: the format hashes every entry and every data-file chunk on its own (RFC
// 6962 leaves), and each `crypto.hash` call from JavaScript costs far more than the SHA-256 of
// a few hundred bytes. Here SHA-256 is OpenSSL's, the very code behind node:crypto (the Node
// binary exports it), called without per-call overhead, and the hashing of a block is shared
// between the calling thread and one helper thread that lives as long as the process.
//
// Three calls per block of lines:
//   readChainLines     reads the lines' layout (no hashing): seq, prev, where the entry and
//                      its stored hash are, and the file digests (rows) each line commits;
//   startHashingLines  starts the helper hashing the entries, while the caller reads the
//                      data-file ranges the rows name;
//   hashChainBlock     hashes those chunks, joins in on the entries left, collects the helper,
//                      and compares every digest with the stored one.

#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/sha.h>

#include <napi.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace {

constexpr char kHex[] = "0123456789abcdef";

// The line table, as the TypeScript side reads it from its Float64Array: per line
constexpr int kLineColumns = 8;
constexpr int kLineOk = 0;         // 1 while the line is vouched for (layout, then hash)
constexpr int kLineSeq = 1;        // its seq
constexpr int kLinePrev = 2;       // where the 64 hex digits of its prev start
constexpr int kLineNewline = 3;    // index of its newline
constexpr int kLineRows = 4;       // index of its first row
constexpr int kLineLinked = 5;     // 1 when its prev is the hash of the line before it
constexpr int kLineEntry = 6;      // where its entry object starts
constexpr int kLineHash = 7;       // where its `,"hash":"` starts (the entry object ends there)

// The row table: per file digest
constexpr int kRowColumns = 8;  // line, path start, path length, offset, size, sha start, append,
                                // path id (rows whose paths are the same bytes share an id)

// Distinct paths remembered per call for path ids; later ones get ids of their own each.
constexpr int kPathSlots = 16;

// Below this many bytes a block is hashed on the calling thread alone.
constexpr size_t kParallelThreshold = 64 * 1024;

bool HasBytes(const uint8_t* data, size_t position, size_t end, const char* expected) {
  size_t length = std::strlen(expected);
  return position + length <= end && std::memcmp(data + position, expected, length) == 0;
}

// A canonical non-negative integer of at most 15 digits at `position` (no leading zeros).
// Returns -1 when there is none; moves `position` past its digits.
double ReadInteger(const uint8_t* data, size_t& position, size_t end) {
  size_t index = position;
  double value = 0;
  while (index < end && data[index] >= '0' && data[index] <= '9') {
    value = value * 10 + (data[index] - '0');
    index++;
  }
  size_t digits = index - position;
  if (digits == 0 || digits > 15 || (digits > 1 && data[position] == '0')) return -1;
  position = index;
  return value;
}

size_t FindQuote(const uint8_t* data, size_t from, size_t end) {
  const void* found = std::memchr(data + from, '"', end - from);
  return found ? static_cast<const uint8_t*>(found) - data : SIZE_MAX;
}

// Byte classes for the body scan outside strings: 0 ordinary, 1 quote, 2 open, 3 close, 4 bad.
struct ScanTable {
  uint8_t outside[256];
  uint8_t inside[256];  // inside strings: 0 ordinary, 1 quote, 2 backslash, 4 control
  ScanTable() {
    for (int byte = 0; byte < 256; byte++) {
      outside[byte] = byte <= 0x20 ? 4 : 0;
      inside[byte] = byte < 0x20 ? 4 : 0;
    }
    outside['"'] = 1;
    outside['{'] = 2;
    outside['['] = 2;
    outside['}'] = 3;
    outside[']'] = 3;
    inside['"'] = 1;
    inside['\\'] = 2;
  }
};
const ScanTable kScan;

constexpr int kMaxDepth = 256;

// The index just after the JSON object starting at `start`, or SIZE_MAX when the brackets and
// strings do not balance before `end` or nest deeper than the TypeScript scanner allows. Same
// rules as `scanJsonObject` in entry.ts.
size_t ScanObject(const uint8_t* data, size_t start, size_t end) {
  if (start >= end || data[start] != '{') return SIZE_MAX;
  uint8_t stack[kMaxDepth];
  int depth = 0;
  size_t index = start;
  while (index < end) {
    uint8_t byte = data[index];
    switch (kScan.outside[byte]) {
      case 0:
        index++;
        continue;
      case 1: {
        index++;
        for (;;) {
          if (index >= end) return SIZE_MAX;
          uint8_t inner = data[index];
          uint8_t kind = kScan.inside[inner];
          if (kind == 0) {
            index++;
            continue;
          }
          if (kind == 1) break;
          if (kind == 4) return SIZE_MAX;
          index += 2;  // a backslash and the byte it escapes
        }
        index++;
        continue;
      }
      case 2:
        if (depth == kMaxDepth) return SIZE_MAX;
        stack[depth++] = byte;
        index++;
        continue;
      case 3:
        if (depth == 0 || stack[depth - 1] != byte - 2) return SIZE_MAX;
        depth--;
        index++;
        if (depth == 0) return index;
        continue;
      default:
        return SIZE_MAX;
    }
  }
  return SIZE_MAX;
}

bool IsRecordType(const uint8_t* data, size_t start, size_t end) {
  size_t length = end - start;
  if (length == 0 || length > 128) return false;
  bool wordStart = true;
  for (size_t index = start; index < end; index++) {
    uint8_t byte = data[index];
    if (wordStart) {
      if (byte < 'a' || byte > 'z') return false;
      wordStart = false;
    } else if (byte == '.') {
      wordStart = true;
    } else if (!((byte >= 'a' && byte <= 'z') || (byte >= '0' && byte <= '9') || byte == '_')) {
      return false;
    }
  }
  return !wordStart;
}

bool HexEquals(const uint8_t digest[32], const uint8_t* hex) {
  for (int index = 0; index < 32; index++) {
    if (hex[2 * index] != static_cast<uint8_t>(kHex[digest[index] >> 4]) ||
        hex[2 * index + 1] != static_cast<uint8_t>(kHex[digest[index] & 15])) {
      return false;
    }
  }
  return true;
}

const char kSnapshotType[] = "ledger.snapshot";

struct Reader {
  const uint8_t* data;
  double* lines;
  double* rows;
  size_t rowCount;
  size_t rowCapacity;
  // The distinct paths seen so far: where their bytes are, and their ids.
  size_t pathStarts[kPathSlots];
  size_t pathLengths[kPathSlots];
  int pathCount;
  double nextPathId;

  double PathId(size_t start, size_t length) {
    for (int slot = 0; slot < pathCount; slot++) {
      if (pathLengths[slot] == length && std::memcmp(data + pathStarts[slot], data + start, length) == 0) {
        return slot;
      }
    }
    if (pathCount < kPathSlots) {
      pathStarts[pathCount] = start;
      pathLengths[pathCount] = length;
      return pathCount++;
    }
    return nextPathId++;
  }
};

// Reads one line in the canonical unsigned layout into line table row `out`, and appends its
// file rows. Leaves the line's ok cell 0 (and no rows) for anything else. Returns false when
// the row table is full.
bool ReadLine(Reader& reader, size_t start, size_t end, double* out, size_t lineIndex) {
  const uint8_t* data = reader.data;
  size_t rowsBefore = reader.rowCount;
  out[kLineOk] = 0;
  out[kLineSeq] = -1;
  out[kLinePrev] = 0;
  out[kLineNewline] = static_cast<double>(end);
  out[kLineRows] = static_cast<double>(rowsBefore);
  out[kLineLinked] = 0;
  out[kLineEntry] = 0;
  out[kLineHash] = 0;
  // {"entry":{"body":{…}…,"v":1},"hash":"<64 hex>"}
  if (end - start < 100 || !HasBytes(data, start, end, "{\"entry\":{\"body\":")) return true;
  size_t hashAt = end - 75;
  if (data[end - 1] != '}' || data[end - 2] != '"' || !HasBytes(data, hashAt, end, ",\"hash\":\"")) {
    return true;
  }
  size_t position = ScanObject(data, start + 17, hashAt);
  if (position == SIZE_MAX) return true;
  if (HasBytes(data, position, hashAt, ",\"files\":[")) {
    position += 10;
    for (;;) {
      if (reader.rowCount == reader.rowCapacity) {
        reader.rowCount = rowsBefore;
        return false;
      }
      double* row = reader.rows + reader.rowCount * kRowColumns;
      row[0] = static_cast<double>(lineIndex);
      row[6] = 0;
      if (HasBytes(data, position, hashAt, "{\"append\":true,\"offset\":")) {
        row[6] = 1;
        position += 24;
      } else if (HasBytes(data, position, hashAt, "{\"offset\":")) {
        position += 10;
      } else {
        reader.rowCount = rowsBefore;
        return true;
      }
      double offset = ReadInteger(data, position, hashAt);
      if (offset < 0 || !HasBytes(data, position, hashAt, ",\"path\":\"")) break;
      position += 9;
      size_t pathEnd = FindQuote(data, position, hashAt);
      if (pathEnd == SIZE_MAX) break;
      row[1] = static_cast<double>(position);
      row[2] = static_cast<double>(pathEnd - position);
      row[3] = offset;
      row[7] = reader.PathId(position, pathEnd - position);
      position = pathEnd;
      if (!HasBytes(data, position, hashAt, "\",\"sha256\":\"")) break;
      position += 12;
      row[5] = static_cast<double>(position);
      position += 64;
      if (!HasBytes(data, position, hashAt, "\",\"size\":")) break;
      position += 9;
      double size = ReadInteger(data, position, hashAt);
      if (size < 0 || position >= hashAt || data[position] != '}') break;
      row[4] = size;
      position++;
      reader.rowCount++;
      if (position < hashAt && data[position] == ']') {
        position++;
        goto tail;
      }
      if (position >= hashAt || data[position] != ',') break;
      position++;
    }
    reader.rowCount = rowsBefore;
    return true;
  }
tail:
  auto fail = [&]() {
    reader.rowCount = rowsBefore;
    return true;
  };
  if (!HasBytes(data, position, hashAt, ",\"prev\":\"")) return fail();
  position += 9;
  size_t prevStart = position;
  position += 64;
  if (!HasBytes(data, position, hashAt, "\",\"seq\":")) return fail();
  position += 8;
  double seq = ReadInteger(data, position, hashAt);
  // A signer means a signed entry: the TypeScript side verifies signatures.
  if (seq < 0 || !HasBytes(data, position, hashAt, ",\"time\":\"")) return fail();
  position += 9;
  size_t timeEnd = FindQuote(data, position, hashAt);
  if (timeEnd == SIZE_MAX) return fail();
  for (size_t index = position; index < timeEnd; index++) {
    if (data[index] < 0x20 || data[index] == '\\' || data[index] >= 0x80) return fail();
  }
  position = timeEnd;
  if (!HasBytes(data, position, hashAt, "\",\"type\":\"")) return fail();
  position += 10;
  size_t typeEnd = FindQuote(data, position, hashAt);
  if (typeEnd == SIZE_MAX || !IsRecordType(data, position, typeEnd)) return fail();
  if (typeEnd - position == sizeof(kSnapshotType) - 1 &&
      std::memcmp(data + position, kSnapshotType, sizeof(kSnapshotType) - 1) == 0) {
    return fail();
  }
  position = typeEnd;
  if (!HasBytes(data, position, hashAt, "\",\"v\":1}") || position + 8 != hashAt) return fail();
  out[kLineOk] = 1;
  out[kLineSeq] = seq;
  out[kLinePrev] = static_cast<double>(prevStart);
  out[kLineEntry] = static_cast<double>(start + 9);
  out[kLineHash] = static_cast<double>(hashAt);
  return true;
}

// One step of a busy wait: a pause hint where there is one (a system call per step would
// cost more than the wait).
inline void Relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#else
  std::this_thread::yield();
#endif
}

// A thread that lives as long as the process and runs one task at a time for whichever caller
// holds it: starting a thread per block would cost more than the task. Tasks are shares of
// a job queue the caller works on too (see SharedJobs), so a helper that the scheduler keeps
// waiting only means the caller does more of the work: Finish takes back a task the helper
// has not started, and otherwise waits only for the batch it is on.
class Helper {
 public:
  static Helper* Get() {
    static Helper* helper = std::thread::hardware_concurrency() > 1 ? new Helper() : nullptr;
    return helper;
  }

  // Runs `task` on the helper and returns true, or returns false at once when it is busy with
  // another caller's task (the caller then does the work itself).
  bool Start(std::function<void()> task) {
    bool idle = false;
    if (!busy_.compare_exchange_strong(idle, true, std::memory_order_acquire)) return false;
    task_ = std::move(task);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      state_.store(kPosted, std::memory_order_release);
    }
    wake_.notify_one();
    return true;
  }

  // Ends the task given to Start: takes it back when the helper has not begun it, else waits
  // for it to return.
  void Finish() {
    int posted = kPosted;
    if (!state_.compare_exchange_strong(posted, kIdle, std::memory_order_acq_rel)) {
      while (state_.load(std::memory_order_acquire) != kDone) Relax();
      state_.store(kIdle, std::memory_order_relaxed);
    }
    task_ = nullptr;
    busy_.store(false, std::memory_order_release);
  }

 private:
  static constexpr int kIdle = 0;
  static constexpr int kPosted = 1;
  static constexpr int kRunning = 2;
  static constexpr int kDone = 3;

  Helper() { std::thread([this] { Loop(); }).detach(); }

  void Loop() {
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [this] { return state_.load(std::memory_order_acquire) == kPosted; });
      }
      int posted = kPosted;
      if (!state_.compare_exchange_strong(posted, kRunning, std::memory_order_acq_rel)) continue;
      task_();
      state_.store(kDone, std::memory_order_release);
    }
  }

  std::atomic<bool> busy_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<int> state_{kIdle};
  std::function<void()> task_;
};

// Reads the lines of data[start, end) into the tables from line `lineCount` and row
// `rowCount` on, until a table is full. Returns the index after the last line read.
size_t ReadRange(Reader& reader, size_t start, size_t end, size_t lineCapacity,
                 size_t& lineCount) {
  size_t position = start;
  while (position < end && lineCount < lineCapacity) {
    const void* newline = std::memchr(reader.data + position, '\n', end - position);
    if (!newline) break;
    size_t lineEnd = static_cast<const uint8_t*>(newline) - reader.data;
    if (!ReadLine(reader, position, lineEnd, reader.lines + lineCount * kLineColumns,
                  lineCount)) {
      break;
    }
    lineCount++;
    position = lineEnd + 1;
  }
  return position;
}

// readChainLines(buffer, start, end, lines, rows) -> [lineCount, rowCount, end]
//
// Reads the complete lines of buffer[start, end) into the line table and their file digests
// into the row table, without hashing anything. Stops early, at a line boundary, when a table
// is full; returns how many lines and rows it wrote and the index after the last line read.
// (Reading is a fraction of the hashing, and splitting it with the helper did not pay.)
Napi::Value ReadChainLines(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 5 || !info[0].IsTypedArray() || !info[3].IsTypedArray() ||
      !info[4].IsTypedArray()) {
    Napi::TypeError::New(env, "readChainLines: bad arguments").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto buffer = info[0].As<Napi::Uint8Array>();
  size_t start = info[1].As<Napi::Number>().Int64Value();
  size_t end = info[2].As<Napi::Number>().Int64Value();
  auto lines = info[3].As<Napi::Float64Array>();
  auto rows = info[4].As<Napi::Float64Array>();
  if (end > buffer.ByteLength() || start > end) {
    Napi::RangeError::New(env, "readChainLines: bad range").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Reader reader{buffer.Data(), lines.Data(), rows.Data(), 0, rows.ElementLength() / kRowColumns,
                {}, {}, 0, kPathSlots};
  size_t lineCount = 0;
  size_t position =
      ReadRange(reader, start, end, lines.ElementLength() / kLineColumns, lineCount);
  Napi::Array result = Napi::Array::New(env, 3);
  result.Set(uint32_t{0}, Napi::Number::New(env, static_cast<double>(lineCount)));
  result.Set(uint32_t{1}, Napi::Number::New(env, static_cast<double>(reader.rowCount)));
  result.Set(uint32_t{2}, Napi::Number::New(env, static_cast<double>(position)));
  return result;
}

// One SHA-256 to compute and compare: an entry (leaf-prefixed, hash kept) or a file chunk.
struct Job {
  const uint8_t* bytes;
  size_t size;
  const uint8_t* expectedHex;
  uint8_t* leaf;     // where to keep the digest (entries), or null (chunks)
  double* okCell;    // line table ok cell (entries), or null
  uint8_t* okByte;   // chunk ok byte (chunks), or null
};

void RunJobs(const Job* jobs, size_t count) {
  for (size_t index = 0; index < count; index++) {
    const Job& job = jobs[index];
    // The low-level calls: OpenSSL 3's one-shot SHA256() fetches the algorithm on every call,
    // which costs more than hashing a short record.
    uint8_t digest[32];
    SHA256_CTX context;
    SHA256_Init(&context);
    if (job.leaf) {
      const uint8_t leafPrefix = 0;
      SHA256_Update(&context, &leafPrefix, 1);
    }
    SHA256_Update(&context, job.bytes, job.size);
    SHA256_Final(digest, &context);
    bool ok = HexEquals(digest, job.expectedHex);
    if (job.leaf) {
      std::memcpy(job.leaf, digest, 32);
      if (!ok) *job.okCell = 0;
    } else {
      *job.okByte = ok ? 1 : 0;
    }
  }
}

// Jobs that the caller and the helper take from the front in small batches, until none are
// left: however the scheduler treats the two threads, the work gets done at the pace of both.
struct SharedJobs {
  std::vector<Job> jobs;
  std::atomic<size_t> next{0};

  void Reset() {
    jobs.clear();
    next.store(0, std::memory_order_relaxed);
  }

  void Run() {
    constexpr size_t kBatch = 16;
    for (;;) {
      size_t from = next.fetch_add(kBatch, std::memory_order_relaxed);
      if (from >= jobs.size()) return;
      RunJobs(jobs.data() + from, std::min(kBatch, jobs.size() - from));
    }
  }
};

// The job hashing line `index`'s entry, or false when the line is not vouched for or its
// positions do not fit the buffer (the line is then no longer vouched for).
bool LineJob(const uint8_t* data, size_t dataLength, double* lineData, uint8_t* leaves,
             size_t index, Job& job) {
  double* line = lineData + index * kLineColumns;
  size_t entry = static_cast<size_t>(line[kLineEntry]);
  size_t hashAt = static_cast<size_t>(line[kLineHash]);
  if (line[kLineOk] != 1 || entry >= hashAt || hashAt + 9 + 64 > dataLength) {
    line[kLineOk] = 0;
    return false;
  }
  job = {data + entry, hashAt - entry, data + hashAt + 9, leaves + index * 32, line + kLineOk,
         nullptr};
  return true;
}

// The entry hashing a block's caller handed to the helper with startHashingLines, per
// JavaScript thread, until hashChainBlock (or waitHashing) collects it. A new hand-over first
// collects the previous one, so a token that is no longer pending is finished.
struct PendingHashing {
  SharedJobs queue;
  double token = 0;
  bool pending = false;
};
thread_local PendingHashing pendingHashing;
thread_local double lastToken = 0;

// Collects the hand-over `token` (any, when negative): the caller hashes what is left of it
// alongside the helper, then ends the helper's task.
void FinishPending(double token) {
  if (pendingHashing.pending && (token < 0 || pendingHashing.token == token)) {
    pendingHashing.queue.Run();
    Helper::Get()->Finish();
    pendingHashing.pending = false;
  }
}

// startHashingLines(buffer, lines, lineCount, leaves) -> token
//
// Starts the helper thread hashing the block's entries while the caller reads the data files
// its rows name; hashChainBlock hashes the chunks of those files, then joins in on the entries
// left, and collects the helper. Returns the token to pass on (0 when the helper is busy or
// the block is small: hashChainBlock then hashes everything).
Napi::Value StartHashingLines(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsTypedArray() || !info[1].IsTypedArray() ||
      !info[3].IsTypedArray()) {
    Napi::TypeError::New(env, "startHashingLines: bad arguments").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto buffer = info[0].As<Napi::Uint8Array>();
  auto lines = info[1].As<Napi::Float64Array>();
  size_t lineCount = info[2].As<Napi::Number>().Int64Value();
  auto leaves = info[3].As<Napi::Uint8Array>();
  if (lineCount * kLineColumns > lines.ElementLength() || lineCount * 32 > leaves.ByteLength()) {
    Napi::RangeError::New(env, "startHashingLines: bad counts").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  FinishPending(-1);
  SharedJobs& queue = pendingHashing.queue;
  queue.Reset();
  size_t total = 0;
  for (size_t index = 0; index < lineCount; index++) {
    Job job;
    if (!LineJob(buffer.Data(), buffer.ByteLength(), lines.Data(), leaves.Data(), index, job)) {
      continue;
    }
    queue.jobs.push_back(job);
    total += job.size;
  }
  Helper* helper = total >= kParallelThreshold ? Helper::Get() : nullptr;
  if (helper && helper->Start([&queue] { queue.Run(); })) {
    pendingHashing.pending = true;
    pendingHashing.token = ++lastToken;
    return Napi::Number::New(env, pendingHashing.token);
  }
  queue.Reset();
  return Napi::Number::New(env, 0);
}

// waitHashing(token): collects the hand-over `token` if it is still pending. hashChainBlock
// does this itself; callers use it when they give up on a block.
Napi::Value WaitHashing(const Napi::CallbackInfo& info) {
  if (info.Length() >= 1 && info[0].IsNumber()) {
    double token = info[0].As<Napi::Number>().DoubleValue();
    if (token > 0) FinishPending(token);
  }
  return info.Env().Undefined();
}

// hashChainBlock(buffer, lines, lineCount, leaves, files, chunks, chunkCount, chunkOk [, token])
//
// For each vouched line of the table: hashes its entry (RFC 6962 leaf), keeps the hash in
// `leaves` (32 bytes per line) and clears its ok cell when the stored hash differs; then sets
// each line's linked cell when its prev spells the hash of the line before it. For each chunk
// ([file index, offset, size, digest start] in `chunks`, a file of `files`): sets `chunkOk`
// to 1 when it fits its file and its bytes have the 64-hex-digit digest at its digest start
// in `buffer`, else 0. With the token of a pending startHashingLines, the entries are that
// hand-over's; otherwise they are hashed here. The work is shared with the helper thread.
Napi::Value HashChainBlock(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 8 || !info[0].IsTypedArray() || !info[1].IsTypedArray() ||
      !info[3].IsTypedArray() || !info[4].IsArray() || !info[5].IsTypedArray() ||
      !info[7].IsTypedArray()) {
    Napi::TypeError::New(env, "hashChainBlock: bad arguments").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto buffer = info[0].As<Napi::Uint8Array>();
  auto lines = info[1].As<Napi::Float64Array>();
  size_t lineCount = info[2].As<Napi::Number>().Int64Value();
  auto leaves = info[3].As<Napi::Uint8Array>();
  auto fileArray = info[4].As<Napi::Array>();
  auto chunks = info[5].As<Napi::Float64Array>();
  size_t chunkCount = info[6].As<Napi::Number>().Int64Value();
  auto chunkOk = info[7].As<Napi::Uint8Array>();
  double token = info.Length() >= 9 && info[8].IsNumber() ? info[8].As<Napi::Number>().DoubleValue() : 0;
  if (lineCount * kLineColumns > lines.ElementLength() || lineCount * 32 > leaves.ByteLength() ||
      chunkCount * 4 > chunks.ElementLength() || chunkCount > chunkOk.ByteLength()) {
    if (token > 0) FinishPending(token);
    Napi::RangeError::New(env, "hashChainBlock: bad counts").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const uint8_t* data = buffer.Data();
  size_t dataLength = buffer.ByteLength();
  double* lineData = lines.Data();
  // The helper has the entries when the hand-over is still pending; a finished one (collected
  // by another verification on this thread) hashed them all, and nothing is left to do.
  bool handedOver = token > 0 && pendingHashing.pending && pendingHashing.token == token;
  bool entriesDone = token > 0 && !handedOver;

  std::vector<std::pair<const uint8_t*, size_t>> files;
  for (uint32_t index = 0; index < fileArray.Length(); index++) {
    Napi::Value value = fileArray.Get(index);
    if (value.IsTypedArray()) {
      auto file = value.As<Napi::Uint8Array>();
      files.emplace_back(file.Data(), file.ByteLength());
    } else {
      files.emplace_back(nullptr, 0);
    }
  }

  thread_local SharedJobs own;
  own.Reset();
  size_t total = 0;
  if (!handedOver && !entriesDone) {
    for (size_t index = 0; index < lineCount; index++) {
      Job job;
      if (!LineJob(data, dataLength, lineData, leaves.Data(), index, job)) continue;
      own.jobs.push_back(job);
      total += job.size;
    }
  }
  const double* chunkData = chunks.Data();
  for (size_t index = 0; index < chunkCount; index++) {
    const double* chunk = chunkData + index * 4;
    double fileIndex = chunk[0];
    double offset = chunk[1];
    double size = chunk[2];
    double digestStart = chunk[3];
    chunkOk[index] = 0;
    if (!(fileIndex >= 0) || fileIndex >= files.size() || !(offset >= 0) || !(size >= 0) ||
        !(digestStart >= 0) || digestStart + 64 > dataLength) {
      continue;
    }
    const auto& file = files[static_cast<size_t>(fileIndex)];
    if (file.first == nullptr || offset + size > static_cast<double>(file.second)) continue;
    own.jobs.push_back({file.first + static_cast<size_t>(offset), static_cast<size_t>(size),
                        data + static_cast<size_t>(digestStart), nullptr, nullptr,
                        chunkOk.Data() + index});
    total += static_cast<size_t>(size);
  }

  if (handedOver) {
    // The chunks here, then whatever entries the helper has not taken yet.
    own.Run();
    FinishPending(token);
  } else {
    Helper* helper = total >= kParallelThreshold ? Helper::Get() : nullptr;
    // `own` is this thread's: the helper must be handed a reference, not name its own copy.
    SharedJobs& queue = own;
    bool shared = helper && helper->Start([&queue] { queue.Run(); });
    own.Run();
    if (shared) helper->Finish();
  }

  // Links: a line's prev against the hash of the line before it.
  for (size_t index = 1; index < lineCount; index++) {
    double* line = lineData + index * kLineColumns;
    const double* previous = line - kLineColumns;
    line[kLineLinked] = line[kLineOk] == 1 && previous[kLineOk] == 1 &&
                                HexEquals(leaves.Data() + (index - 1) * 32,
                                          data + static_cast<size_t>(line[kLinePrev]))
                            ? 1
                            : 0;
  }
  return env.Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("readChainLines", Napi::Function::New(env, ReadChainLines));
  exports.Set("startHashingLines", Napi::Function::New(env, StartHashingLines));
  exports.Set("hashChainBlock", Napi::Function::New(env, HashChainBlock));
  exports.Set("waitHashing", Napi::Function::New(env, WaitHashing));
  exports.Set("lineColumns", Napi::Number::New(env, kLineColumns));
  exports.Set("rowColumns", Napi::Number::New(env, kRowColumns));
  return exports;
}

}  // namespace

NODE_API_MODULE(karnel_ledger_accelerator, Init)

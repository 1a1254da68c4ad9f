/*
 * The answers-file line scanner of src/io/answer-scanner.ts in C, many lines per call: `w2s score` reads every line
 * twice, and scanning is most of its time. It accepts exactly the lines the TypeScript scanner reads member by member
 * (valid JSON objects whose contract fields have the right types), except that it leaves variants written other than
 * as at most nine plain digits to the TypeScript side; it stops at the first line it does not accept, which the caller
 * then reads the slow way. Results never depend on it: test/io/native-answer-scan.test.ts holds it to the TypeScript scanner.
 */
#include "answer_scan.h"

#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

enum { ID, VARIANT, PROMPT, OUTPUT, ANSWER, GOLD, CHOICES, FIELDS };
enum { ABSENT, STRING, VNULL, NUMBER, STRING_ARRAY, OTHER };
enum { ESCAPED = 1, NON_ASCII = 2 };
#define MAX_DEPTH 64

typedef struct {
  const uint8_t *b;
  int32_t *rec;
  int flags; /* of the last string scanned */
} scan_state;

static inline bool is_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\r'; }

static inline int64_t skip_space(const uint8_t *b, int64_t i, int64_t end) {
  while (i < end && is_space(b[i])) i++;
  return i;
}

/*
 * The bytes that end a plain run of a string: a quote, a backslash, a control byte (< 0x20) or a byte >= 0x80, as a
 * mask with the high bit of each such byte of w set (bit tricks on 64 bits; the lowest set bit is exact).
 */
static inline uint64_t special_bytes(uint64_t w) {
  const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
  uint64_t quote = w ^ (ones * 0x22), backslash = w ^ (ones * 0x5c);
  return (((w - ones * 0x20) & ~w) | ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash) | w) & highs;
}

/* From i, the index of the first byte that ends a plain run (see special_bytes), or `end`. */
static inline int64_t plain_run(const uint8_t *b, int64_t i, int64_t end) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20);
  while (i + 16 <= end) {
    __m128i v = _mm_loadu_si128((const __m128i *)(b + i));
    /* A signed comparison: bytes >= 0x80 are negative, so "less than 0x20" also catches them. */
    __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)), _mm_cmplt_epi8(v, space));
    int mask = _mm_movemask_epi8(hit);
    if (mask != 0) return i + __builtin_ctz((unsigned)mask);
    i += 16;
  }
#endif
  while (i + 8 <= end) {
    uint64_t w;
    memcpy(&w, b + i, 8);
    uint64_t mask = special_bytes(w);
    /* The first byte in memory is the lowest on little-endian machines, the highest on big-endian ones. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    if (mask != 0) return i + (__builtin_clzll(mask) >> 3);
#else
    if (mask != 0) return i + (__builtin_ctzll(mask) >> 3);
#endif
    i += 8;
  }
  while (i < end && b[i] >= 0x20 && b[i] < 0x80 && b[i] != '"' && b[i] != '\\') i++;
  return i;
}

static inline bool is_hex(uint8_t c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

/* From just after an opening quote: the index of the closing quote, or -1 (a control character, a bad escape, no end). */
static int64_t scan_string(scan_state *s, int64_t i, int64_t end) {
  const uint8_t *b = s->b;
  int flags = 0;
  for (;;) {
    i = plain_run(b, i, end);
    if (i >= end) return -1;
    uint8_t c = b[i];
    if (c == '"') {
      s->flags = flags;
      return i;
    }
    if (c >= 0x80) {
      flags |= NON_ASCII;
      i++;
    } else if (c == '\\') {
      flags |= ESCAPED;
      if (i + 1 >= end) return -1;
      uint8_t e = b[i + 1];
      if (e == 'u') {
        if (i + 5 >= end) return -1;
        for (int k = 2; k < 6; k++)
          if (!is_hex(b[i + k])) return -1;
        i += 6;
      } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
        i += 2;
      } else {
        return -1;
      }
    } else {
      return -1; /* a control byte */
    }
  }
}

static int64_t skip_digits(const uint8_t *b, int64_t i, int64_t end) {
  while (i < end && b[i] >= '0' && b[i] <= '9') i++;
  return i;
}

static int64_t skip_number(const uint8_t *b, int64_t i, int64_t end) {
  if (b[i] == '-') i++;
  if (i >= end) return -1;
  if (b[i] == '0') {
    i++;
  } else {
    int64_t start = i;
    i = skip_digits(b, i, end);
    if (i == start) return -1;
  }
  if (i < end && b[i] == '.') {
    int64_t start = ++i;
    i = skip_digits(b, i, end);
    if (i == start) return -1;
  }
  if (i < end && (b[i] == 'e' || b[i] == 'E')) {
    i++;
    if (i < end && (b[i] == '+' || b[i] == '-')) i++;
    int64_t start = i;
    i = skip_digits(b, i, end);
    if (i == start) return -1;
  }
  return i;
}

static int64_t skip_literal(const uint8_t *b, int64_t i, int64_t end, const char *literal, int64_t n) {
  if (i + n > end || memcmp(b + i, literal, (size_t)n) != 0) return -1;
  return i + n;
}

static int64_t skip_value(scan_state *s, int64_t i, int64_t end, int depth);

static int64_t skip_container(scan_state *s, int64_t i, int64_t end, int depth, uint8_t close, bool keyed) {
  const uint8_t *b = s->b;
  i = skip_space(b, i + 1, end);
  if (i < end && b[i] == close) return i + 1;
  while (i < end) {
    if (keyed) {
      if (b[i] != '"') return -1;
      int64_t key_end = scan_string(s, i + 1, end);
      if (key_end < 0) return -1;
      i = skip_space(b, key_end + 1, end);
      if (i >= end || b[i] != ':') return -1;
      i = skip_space(b, i + 1, end);
    }
    i = skip_value(s, i, end, depth + 1);
    if (i < 0) return -1;
    i = skip_space(b, i, end);
    if (i >= end) return -1;
    if (b[i] == close) return i + 1;
    if (b[i] != ',') return -1;
    i = skip_space(b, i + 1, end);
  }
  return -1;
}

/* From the first byte of any JSON value: the index after it, or -1 when it is not valid JSON (or nests too deep). */
static int64_t skip_value(scan_state *s, int64_t i, int64_t end, int depth) {
  const uint8_t *b = s->b;
  if (i >= end) return -1;
  uint8_t c = b[i];
  if (c == '"') {
    int64_t close = scan_string(s, i + 1, end);
    return close < 0 ? -1 : close + 1;
  }
  if (c == '-' || (c >= '0' && c <= '9')) return skip_number(b, i, end);
  if (c == 'n') return skip_literal(b, i, end, "null", 4);
  if (c == 't') return skip_literal(b, i, end, "true", 4);
  if (c == 'f') return skip_literal(b, i, end, "false", 5);
  if (depth >= MAX_DEPTH) return -1;
  if (c == '[') return skip_container(s, i, end, depth, ']', false);
  if (c == '{') return skip_container(s, i, end, depth, '}', true);
  return -1;
}

/* From an opening bracket: the index after a flat array of strings, or -1 (not such an array, or invalid). */
static int64_t scan_string_array(scan_state *s, int64_t i, int64_t end) {
  const uint8_t *b = s->b;
  i = skip_space(b, i + 1, end);
  if (i < end && b[i] == ']') return i + 1;
  while (i < end && b[i] == '"') {
    int64_t close = scan_string(s, i + 1, end);
    if (close < 0) return -1;
    i = skip_space(b, close + 1, end);
    if (i >= end) return -1;
    if (b[i] == ']') return i + 1;
    if (b[i] != ',') return -1;
    i = skip_space(b, i + 1, end);
  }
  return -1;
}

/* The contract field a key names, or -1 (comparisons of constant size, which the compiler inlines). */
static int field_of(const uint8_t *key, int64_t n) {
  switch (n) {
    case 2: return memcmp(key, "id", 2) == 0 ? ID : -1;
    case 4: return memcmp(key, "gold", 4) == 0 ? GOLD : -1;
    case 6:
      if (memcmp(key, "prompt", 6) == 0) return PROMPT;
      if (memcmp(key, "output", 6) == 0) return OUTPUT;
      return memcmp(key, "answer", 6) == 0 ? ANSWER : -1;
    case 7:
      if (memcmp(key, "variant", 7) == 0) return VARIANT;
      return memcmp(key, "choices", 7) == 0 ? CHOICES : -1;
    default: return -1;
  }
}

/*
 * The common case first: from just after a key's opening quote, a contract field's name and the closing quote. Then
 * the key is that name (no escape can hide among those bytes): the index of the closing quote, with `field` set.
 * Else -1, and the key is read the general way.
 */
static int64_t known_key(const uint8_t *b, int64_t i, int64_t end, int *field) {
  static const char *const names[FIELDS] = {"id\"", "variant\"", "prompt\"", "output\"", "answer\"", "gold\"", "choices\""};
  static const int64_t lengths[FIELDS] = {3, 8, 7, 7, 7, 5, 8};
  if (i >= end) return -1;
  int f;
  switch (b[i]) {
    case 'i': f = ID; break;
    case 'v': f = VARIANT; break;
    case 'p': f = PROMPT; break;
    case 'o': f = OUTPUT; break;
    case 'a': f = ANSWER; break;
    case 'g': f = GOLD; break;
    case 'c': f = CHOICES; break;
    default: return -1;
  }
  if (i + lengths[f] > end || memcmp(b + i, names[f], (size_t)lengths[f]) != 0) return -1;
  *field = f;
  return i + lengths[f] - 1;
}

static void record(scan_state *s, int field, int kind, int64_t start, int64_t end, int flags) {
  int32_t *r = s->rec;
  r[W2S_SCAN_KIND + field] = kind;
  r[W2S_SCAN_START + field] = (int32_t)start;
  r[W2S_SCAN_END + field] = (int32_t)end;
  r[W2S_SCAN_FLAGS + field] = flags;
}

/* Reads the value at i and, for a contract field, records it; the index after the value, or -1. */
static int64_t scan_value(scan_state *s, int64_t i, int64_t end, int field) {
  const uint8_t *b = s->b;
  uint8_t c = b[i];
  if (c == '"') {
    int64_t close = scan_string(s, i + 1, end);
    if (close < 0) return -1;
    if (field >= 0) record(s, field, STRING, i + 1, close, s->flags);
    return close + 1;
  }
  int64_t value_end;
  int kind;
  if (field == CHOICES && c == '[') {
    value_end = scan_string_array(s, i, end);
    kind = STRING_ARRAY;
  } else {
    value_end = skip_value(s, i, end, 0);
    kind = c == 'n' ? VNULL : (c == '-' || (c >= '0' && c <= '9')) ? NUMBER : OTHER;
  }
  if (value_end >= 0 && field >= 0) record(s, field, kind, i, value_end, 0);
  return value_end;
}

/* The contract's types (the checks of answer-scanner.ts's checkTypes); the variant must be plain digits here. */
static bool check_types(scan_state *s) {
  const uint8_t *b = s->b;
  int32_t *r = s->rec;
  const int32_t *kind = r + W2S_SCAN_KIND;
  if (kind[ID] != STRING || r[W2S_SCAN_END + ID] == r[W2S_SCAN_START + ID]) return false;
  if (kind[PROMPT] != STRING || kind[OUTPUT] != STRING) return false;
  if (kind[ANSWER] != ABSENT && kind[ANSWER] != VNULL && kind[ANSWER] != STRING) return false;
  if (kind[GOLD] != ABSENT && kind[GOLD] != VNULL && kind[GOLD] != STRING) return false;
  if (kind[CHOICES] != ABSENT && kind[CHOICES] != STRING_ARRAY) return false;
  if (kind[VARIANT] != NUMBER) return false;
  int64_t start = r[W2S_SCAN_START + VARIANT], end = r[W2S_SCAN_END + VARIANT];
  if (end - start > 9) return false;
  int32_t value = 0;
  for (int64_t i = start; i < end; i++) {
    if (b[i] < '0' || b[i] > '9') return false;
    value = value * 10 + (b[i] - '0');
  }
  r[W2S_SCAN_VARIANT] = value;
  return true;
}

/* Scans the line at i into s->rec: the index after the object and its trailing spaces, or -1 when not accepted. */
static int64_t scan_line(scan_state *s, int64_t i, int64_t end) {
  const uint8_t *b = s->b;
  for (int f = 0; f < FIELDS; f++) s->rec[W2S_SCAN_KIND + f] = ABSENT;
  i = skip_space(b, i, end);
  if (i >= end || b[i] != '{') return -1;
  i = skip_space(b, i + 1, end);
  if (i < end && b[i] == '}') {
    i++;
  } else {
    for (;;) {
      if (i >= end || b[i] != '"') return -1;
      int field;
      int64_t key_end = known_key(b, i + 1, end, &field);
      if (key_end < 0) {
        key_end = scan_string(s, i + 1, end);
        /* An escaped key might spell a field's name: leave it to JSON.parse. */
        if (key_end < 0 || (s->flags & ESCAPED)) return -1;
        field = field_of(b + i + 1, key_end - i - 1);
      }
      i = skip_space(b, key_end + 1, end);
      if (i >= end || b[i] != ':') return -1;
      i = skip_space(b, i + 1, end);
      if (i >= end) return -1;
      i = scan_value(s, i, end, field);
      if (i < 0) return -1;
      i = skip_space(b, i, end);
      if (i >= end) return -1;
      if (b[i] == ',') {
        i = skip_space(b, i + 1, end);
        continue;
      }
      if (b[i] != '}') return -1;
      i++;
      break;
    }
  }
  if (!check_types(s)) return -1;
  return skip_space(b, i, end);
}

int32_t w2s_scan_answer_lines(const uint8_t *buffer, int64_t start, int64_t end, int32_t *records, int32_t capacity) {
  scan_state s = {buffer, records, 0};
  int32_t count = 0;
  int64_t i = start;
  while (count < capacity && i < end) {
    s.rec = records + (int64_t)count * W2S_SCAN_STRIDE;
    int64_t stop = scan_line(&s, i, end);
    /* The line must end right after the object: at a line feed, or at the end of the bytes given. */
    if (stop < 0 || (stop < end && buffer[stop] != '\n')) break;
    i = stop < end ? stop + 1 : end;
    s.rec[W2S_SCAN_NEXT] = (int32_t)i;
    count++;
  }
  return count;
}

napi_value w2s_op_scan_answer_lines(napi_env env, napi_callback_info info) {
  w2s_args a;
  if (!w2s_args_get(env, info, "scanAnswerLines", 4, &a)) return NULL;
  uint8_t *buffer;
  int32_t *records;
  size_t buffer_len, records_len;
  int start, end;
  if (!w2s_arg_u8(&a, 0, "buffer", &buffer, &buffer_len) || !w2s_arg_index(&a, 1, "start", &start) ||
      !w2s_arg_index(&a, 2, "end", &end) || !w2s_arg_i32(&a, 3, "records", false, &records, &records_len)) {
    return NULL;
  }
  if (!w2s_require(&a, start <= end, "start is after end") || !w2s_need(&a, "buffer", buffer_len, end)) return NULL;
  int32_t count = w2s_scan_answer_lines(buffer, start, end, records, (int32_t)(records_len / W2S_SCAN_STRIDE));
  napi_value out;
  if (napi_create_int32(env, count, &out) != napi_ok) return NULL;
  return out;
}

/* test_core.c - buffers, arena, hex/base64/GlobalID, time formatting. */
#include "harness.h"

#include "assay/arena.h"
#include "assay/buf.h"
#include "assay/hex.h"
#include "assay/timefmt.h"

TEST(buf_cap) {
    as_buf b;
    as_buf_init(&b, 8);
    CHECK_INT(as_buf_puts(&b, "12345678"), AS_OK);
    CHECK_INT(as_buf_putc(&b, 'x'), AS_ETOOBIG);
    CHECK_STR(b.data, "12345678");
    as_buf_release(&b);
}

TEST(buf_printf_long) {
    as_buf b;
    as_buf_init(&b, AS_BUF_UNLIMITED);
    char big[1000];
    memset(big, 'a', sizeof(big) - 1);
    big[999] = 0;
    CHECK_INT(as_buf_printf(&b, "<%s>", big), AS_OK);
    CHECK_INT(b.len, 1001);
    CHECK(b.data[1000] == '>');
    as_buf_release(&b);
}

TEST(buf_json_str) {
    as_buf b;
    as_buf_init(&b, 100);
    const char s[] = "a\"b\\c\n\x01" "é";
    as_buf_json_str(&b, s, sizeof(s) - 1);
    CHECK_STR(b.data, "\"a\\\"b\\\\c\\n\\u0001é\"");
    as_buf_release(&b);
}

TEST(arena) {
    as_arena a;
    as_arena_init(&a);
    char *s = as_arena_strdup(&a, "hello");
    void *big = as_arena_alloc(&a, 100000);
    memset(big, 1, 100000);
    for (int i = 0; i < 5000; i++) as_arena_alloc(&a, 24);
    CHECK_STR(s, "hello");
    CHECK(((uintptr_t)big & 15) == 0);
    as_arena_release(&a);
}

TEST(hex) {
    uint8_t in[4] = { 0xde, 0xad, 0x00, 0x0f }, out[4];
    char h[9];
    as_hex_encode(in, 4, h);
    CHECK_STR(h, "dead000f");
    CHECK(as_hex_decode("DEAD000F", 8, out, 4));
    CHECK(memcmp(in, out, 4) == 0);
    CHECK(!as_hex_decode("dead00", 6, out, 4));
    CHECK(!as_hex_decode("deadzz0f", 8, out, 4));
}

TEST(globalid) {
    char id[AS_GLOBALID_MAX];
    as_globalid_encode("Project", 1, id);
    CHECK_STR(id, "UHJvamVjdDox");
    int64_t row = 0;
    CHECK(as_globalid_decode("UHJvamVjdDox", "Project", &row));
    CHECK_INT(row, 1);
    CHECK(!as_globalid_decode("UHJvamVjdDox", "Span", &row));
    CHECK(!as_globalid_decode("default", "Project", &row));
    as_globalid_encode("Span", 123456789, id);
    CHECK(as_globalid_decode(id, "Span", &row));
    CHECK_INT(row, 123456789);
}

TEST(time_roundtrip) {
    char s[AS_ISO_MAX];
    as_time_iso(1714564800123456789LL, s);
    CHECK_STR(s, "2024-05-01T12:00:00.123456+00:00");
    int64_t ns;
    CHECK(as_time_parse("2024-05-01T12:00:00.123456789Z", &ns));
    CHECK_INT(ns, 1714564800123456789LL);
    CHECK(as_time_parse("2024-05-01T14:00:00+02:00", &ns));
    CHECK_INT(ns, 1714564800000000000LL);
    CHECK(as_time_parse("2024-05-01", &ns));
    CHECK_INT(ns, 1714521600000000000LL);
    CHECK(!as_time_parse("2024-13-01", &ns));
    CHECK(!as_time_parse("yesterday", &ns));
    as_time_iso(0, s);
    CHECK_STR(s, "1970-01-01T00:00:00.000000+00:00");
}

TEST_MAIN(T(buf_cap), T(buf_printf_long), T(buf_json_str), T(arena), T(hex),
          T(globalid), T(time_roundtrip))

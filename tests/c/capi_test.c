/*
 * C tests of the docscreen C API, built and run by tests/capi.rs.
 *
 *   capi_test statuses FIXTURE_DIR   every status path; prints "N passed, M failed"
 *   capi_test dump FILE...           one summary line per file (see common.h),
 *                                    screened from memory and from the path
 *   capi_test mrz TEXT...            one line per text: the JSON of docscreen_mrz_validate
 *
 * Exit status 0 when every check passed.
 */
#include "common.h"

static int passed, failed;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (cond) {                                                                                \
            passed++;                                                                              \
        } else {                                                                                   \
            failed++;                                                                              \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
        }                                                                                          \
    } while (0)

/* Compares statuses and prints both on a mismatch. */
#define CHECK_STATUS(expr, want)                                                                   \
    do {                                                                                           \
        docscreen_status got_ = (expr);                                                            \
        if (got_ == (want)) {                                                                      \
            passed++;                                                                              \
        } else {                                                                                   \
            failed++;                                                                              \
            fprintf(stderr, "%s:%d: %s\n  returned %u (%s), expected %u (%s)\n", __FILE__,        \
                    __LINE__, #expr, (unsigned)got_, docscreen_status_message(got_),              \
                    (unsigned)(want), docscreen_status_message(want));                            \
        }                                                                                          \
    } while (0)

/* Out-parameters must stay untouched on error: they start as these. */
static char sentinel_byte;
#define SENTINEL ((void *)&sentinel_byte)

static char path_buf[4096];
static const char *fixture(const char *dir, const char *name) {
    snprintf(path_buf, sizeof path_buf, "%s/%s", dir, name);
    return path_buf;
}

static void test_version_and_messages(void) {
    char want[64];
    unsigned s;
    snprintf(want, sizeof want, "%d.%d.%d", DOCSCREEN_VERSION_MAJOR, DOCSCREEN_VERSION_MINOR,
             DOCSCREEN_VERSION_PATCH);
    CHECK(strncmp(docscreen_version(), want, strlen(want)) == 0);
    CHECK(strcmp(docscreen_version(), DOCSCREEN_VERSION) == 0);
    for (s = DOCSCREEN_STATUS_OK; s <= DOCSCREEN_STATUS_INTERNAL_ERROR; s++) {
        const char *m = docscreen_status_message(s);
        CHECK(m != NULL && strstr(m, "unknown") == NULL);
    }
    CHECK(strcmp(docscreen_status_message(DOCSCREEN_STATUS_OK), "ok") == 0);
    /* Any number is accepted, including ones a newer library may add. */
    CHECK(strstr(docscreen_status_message(9999), "unknown") != NULL);
    CHECK(strstr(docscreen_status_message(0xFFFFFFFFu), "unknown") != NULL);
}

static void test_builder(const char *dir) {
    docscreen_builder *b = NULL;
    docscreen_screener *s = (docscreen_screener *)SENTINEL;

    CHECK_STATUS(docscreen_builder_new(NULL), DOCSCREEN_STATUS_NULL_ARGUMENT);
    CHECK(strcmp(docscreen_last_error_message(), "docscreen_builder_new: a required pointer argument is NULL") == 0);
    CHECK_STATUS(docscreen_builder_add_template_file(NULL, "x.toml"), DOCSCREEN_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(docscreen_builder_set_max_pixels(NULL, 10), DOCSCREEN_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(docscreen_builder_build(NULL, &s), DOCSCREEN_STATUS_NULL_ARGUMENT);
    CHECK(s == SENTINEL);
    docscreen_builder_free(NULL);

    CHECK_STATUS(docscreen_builder_new(&b), DOCSCREEN_STATUS_OK);
    CHECK(b != NULL);
    CHECK_STATUS(docscreen_builder_add_template_file(b, NULL), DOCSCREEN_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(docscreen_builder_add_template_file(b, ""), DOCSCREEN_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(docscreen_builder_add_template_file(b, fixture(dir, "no-such-template.toml")),
                 DOCSCREEN_STATUS_IO);
    CHECK_STATUS(docscreen_builder_add_template_file(b, dir), DOCSCREEN_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(docscreen_builder_add_template_file(b, fixture(dir, "garbage.bin")),
                 DOCSCREEN_STATUS_TEMPLATE);
    CHECK_STATUS(docscreen_builder_add_template_file(b, fixture(dir, "templates/bad.toml")),
                 DOCSCREEN_STATUS_TEMPLATE);
    CHECK_STATUS(docscreen_builder_add_templates_path(b, fixture(dir, "templates")),
                 DOCSCREEN_STATUS_TEMPLATE);
    CHECK_STATUS(docscreen_builder_add_templates_path(b, fixture(dir, "no-templates")),
                 DOCSCREEN_STATUS_OK);
    CHECK_STATUS(docscreen_builder_set_max_dimensions(b, 0, 100), DOCSCREEN_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(docscreen_builder_set_max_dimensions(b, 100, 0), DOCSCREEN_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(docscreen_builder_set_max_pixels(b, 0), DOCSCREEN_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(docscreen_builder_set_max_encoded_bytes(b, 0), DOCSCREEN_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(docscreen_builder_set_max_alloc(b, 0), DOCSCREEN_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(docscreen_builder_set_max_dimensions(b, 20000, 20000), DOCSCREEN_STATUS_OK);
    CHECK_STATUS(docscreen_builder_set_max_pixels(b, 60000000u), DOCSCREEN_STATUS_OK);
    CHECK_STATUS(docscreen_builder_set_max_encoded_bytes(b, 1u << 30), DOCSCREEN_STATUS_OK);
    CHECK_STATUS(docscreen_builder_set_max_alloc(b, 1u << 30), DOCSCREEN_STATUS_OK);

    /* build consumes the builder even when `out` is NULL ... */
    CHECK_STATUS(docscreen_builder_build(b, NULL), DOCSCREEN_STATUS_NULL_ARGUMENT);
    /* ... so the builder is gone: the registry refuses it without reading it. */
    CHECK_STATUS(docscreen_builder_set_max_pixels(b, 10), DOCSCREEN_STATUS_INVALID_HANDLE);
    CHECK_STATUS(docscreen_builder_build(b, &s), DOCSCREEN_STATUS_INVALID_HANDLE);
    CHECK(s == SENTINEL);
    docscreen_builder_free(b); /* double free: ignored */

    /* Templates: a file and a directory load; a failed load leaves the builder as it was. */
    CHECK_STATUS(docscreen_builder_new(&b), DOCSCREEN_STATUS_OK);
    CHECK_STATUS(docscreen_builder_add_template_file(b, fixture(dir, "uto-p-test.toml")), DOCSCREEN_STATUS_OK);
    CHECK_STATUS(docscreen_builder_add_template_file(b, fixture(dir, "templates/bad.toml")),
                 DOCSCREEN_STATUS_TEMPLATE);
    CHECK_STATUS(docscreen_builder_build(b, &s), DOCSCREEN_STATUS_OK);
    docscreen_screener_free(s);
    s = (docscreen_screener *)SENTINEL;
    CHECK_STATUS(docscreen_builder_new(&b), DOCSCREEN_STATUS_OK);
    CHECK_STATUS(docscreen_builder_add_templates_path(b, fixture(dir, "good-templates")), DOCSCREEN_STATUS_OK);
    /* good-templates/a.toml has the same id: refused when building, and the builder is freed. */
    CHECK_STATUS(docscreen_builder_add_template_file(b, fixture(dir, "uto-p-test.toml")), DOCSCREEN_STATUS_OK);
    CHECK_STATUS(docscreen_builder_build(b, &s), DOCSCREEN_STATUS_TEMPLATE);
    CHECK(s == SENTINEL);
    CHECK_STATUS(docscreen_builder_set_max_pixels(b, 10), DOCSCREEN_STATUS_INVALID_HANDLE);

    CHECK_STATUS(docscreen_builder_new(&b), DOCSCREEN_STATUS_OK);
    CHECK_STATUS(docscreen_builder_build(b, &s), DOCSCREEN_STATUS_OK);
    CHECK(s != NULL && s != SENTINEL);
    /* A screener is not a builder. */
    CHECK_STATUS(docscreen_builder_set_max_pixels((docscreen_builder *)s, 10),
                 DOCSCREEN_STATUS_INVALID_HANDLE);
    docscreen_builder_free((docscreen_builder *)s); /* wrong type: ignored */
    docscreen_screener_free(s);
    docscreen_screener_free(s); /* double free: ignored */
}

/* A 64×48 grey gradient, and the same with 16 bytes of padding per row. */
#define W 64
#define H 48
static unsigned char gray[W * H];
static unsigned char padded[(W + 16) * H];

static void test_pixels(docscreen_screener *s) {
    docscreen_report *r = (docscreen_report *)SENTINEL, *r2 = NULL;
    int x, y;
    for (y = 0; y < H; y++) {
        for (x = 0; x < W; x++) {
            gray[y * W + x] = (unsigned char)(x * 4 + y);
            padded[y * (W + 16) + x] = (unsigned char)(x * 4 + y);
        }
        memset(padded + y * (W + 16) + W, 0xAB, 16);
    }

    CHECK_STATUS(docscreen_screen_pixels(NULL, gray, sizeof gray, W, H, W, DOCSCREEN_PIXEL_FORMAT_GRAY8, &r),
                 DOCSCREEN_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(docscreen_screen_pixels(s, NULL, sizeof gray, W, H, W, DOCSCREEN_PIXEL_FORMAT_GRAY8, &r),
                 DOCSCREEN_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(docscreen_screen_pixels(s, gray, sizeof gray, W, H, W, DOCSCREEN_PIXEL_FORMAT_GRAY8, NULL),
                 DOCSCREEN_STATUS_NULL_ARGUMENT);
    /* Stride shorter than a row. */
    CHECK_STATUS(docscreen_screen_pixels(s, gray, sizeof gray, W, H, W - 1, DOCSCREEN_PIXEL_FORMAT_GRAY8, &r),
                 DOCSCREEN_STATUS_INVALID_ARGUMENT);
    /* The last error says which call failed and why; accessors leave it. */
    CHECK(docscreen_report_verdict(NULL) == DOCSCREEN_VERDICT_ERROR);
    CHECK(docscreen_last_error_message() != NULL &&
          strcmp(docscreen_last_error_message(),
                 "docscreen_screen_pixels: invalid argument: stride 63 is less than a row of 64 bytes") == 0);
    /* A buffer one byte too short, and one as RGB (3 bytes per pixel). */
    CHECK_STATUS(docscreen_screen_pixels(s, gray, sizeof gray - 1, W, H, W, DOCSCREEN_PIXEL_FORMAT_GRAY8, &r),
                 DOCSCREEN_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(docscreen_screen_pixels(s, gray, sizeof gray, W, H, W * 3, DOCSCREEN_PIXEL_FORMAT_RGB8, &r),
                 DOCSCREEN_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(docscreen_screen_pixels(s, gray, sizeof gray, 0, H, W, DOCSCREEN_PIXEL_FORMAT_GRAY8, &r),
                 DOCSCREEN_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(docscreen_screen_pixels(s, gray, sizeof gray, W, 0, W, DOCSCREEN_PIXEL_FORMAT_GRAY8, &r),
                 DOCSCREEN_STATUS_INVALID_ARGUMENT);
    /* Pixel-format numbers the library does not know. */
    CHECK_STATUS(docscreen_screen_pixels(s, gray, sizeof gray, W, H, W, 0, &r), DOCSCREEN_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(docscreen_screen_pixels(s, gray, sizeof gray, W, H, W, 6, &r), DOCSCREEN_STATUS_INVALID_ARGUMENT);
    CHECK(strcmp(docscreen_last_error_message(), "docscreen_screen_pixels: unknown pixel format 6") == 0);
    CHECK_STATUS(docscreen_screen_pixels(s, gray, sizeof gray, W, H, W, 0xFFFFFFFFu, &r),
                 DOCSCREEN_STATUS_INVALID_ARGUMENT);
    /* Sizes whose product overflows. */
    CHECK_STATUS(docscreen_screen_pixels(s, gray, sizeof gray, 0xFFFFFFFFu, 0xFFFFFFFFu, (size_t)-1,
                                         DOCSCREEN_PIXEL_FORMAT_BGRA8, &r),
                 DOCSCREEN_STATUS_INVALID_ARGUMENT);
    CHECK(r == SENTINEL);

    CHECK_STATUS(docscreen_screen_pixels(s, gray, sizeof gray, W, H, W, DOCSCREEN_PIXEL_FORMAT_GRAY8, &r),
                 DOCSCREEN_STATUS_OK);
    CHECK(r != NULL && r != SENTINEL);
    CHECK(docscreen_last_error_message() == NULL);
    /* A blank gradient has no MRZ: inconclusive, never a claim of forgery. */
    CHECK(docscreen_report_verdict(r) == DOCSCREEN_VERDICT_INCONCLUSIVE);
    CHECK(docscreen_report_mrz_line_count(r) == 0);
    CHECK(docscreen_report_mrz_line(r, 0) == NULL);
    CHECK(docscreen_report_mrz_format(r) == NULL);
    CHECK(!docscreen_report_mrz_valid(r));
    CHECK(docscreen_report_finding_count(r) >= 1);
    CHECK(strlen(docscreen_report_image_sha256(r)) == 64);

    /* Padding is not part of the image: same digest with a wider stride. */
    CHECK_STATUS(docscreen_screen_pixels(s, padded, sizeof padded, W, H, W + 16, DOCSCREEN_PIXEL_FORMAT_GRAY8, &r2),
                 DOCSCREEN_STATUS_OK);
    CHECK(strcmp(docscreen_report_image_sha256(r), docscreen_report_image_sha256(r2)) == 0);
    /* The last row needs no padding. */
    docscreen_report_free(r2);
    r2 = NULL;
    CHECK_STATUS(docscreen_screen_pixels(s, padded, sizeof padded - 16, W, H, W + 16,
                                         DOCSCREEN_PIXEL_FORMAT_GRAY8, &r2),
                 DOCSCREEN_STATUS_OK);
    docscreen_report_free(r2);
    /* Every format is accepted (BGRA8: W/4 pixels per row of the same bytes). */
    r2 = NULL;
    CHECK_STATUS(docscreen_screen_pixels(s, gray, sizeof gray, W / 4, H, W, DOCSCREEN_PIXEL_FORMAT_BGRA8, &r2),
                 DOCSCREEN_STATUS_OK);
    CHECK(docscreen_report_verdict(r2) == DOCSCREEN_VERDICT_INCONCLUSIVE);
    docscreen_report_free(r2);
    r2 = NULL;
    CHECK_STATUS(docscreen_screen_pixels(s, gray, sizeof gray, W / 3, H, W, DOCSCREEN_PIXEL_FORMAT_BGR8, &r2),
                 DOCSCREEN_STATUS_OK);
    docscreen_report_free(r2);
    r2 = NULL;
    CHECK_STATUS(docscreen_screen_pixels(s, gray, sizeof gray, W / 4, H, W, DOCSCREEN_PIXEL_FORMAT_RGBA8, &r2),
                 DOCSCREEN_STATUS_OK);
    docscreen_report_free(r2);
    r2 = NULL;
    CHECK_STATUS(docscreen_screen_pixels(s, gray, sizeof gray, W / 3, H, W, DOCSCREEN_PIXEL_FORMAT_RGB8, &r2),
                 DOCSCREEN_STATUS_OK);
    docscreen_report_free(r2);

    docscreen_report_free(r);
}

static void test_encoded(docscreen_screener *s, const char *dir) {
    docscreen_report *r = (docscreen_report *)SENTINEL;
    size_t png_len = 0, jpg_len = 0, trunc_len = 0, junk_len = 0, bomb_len = 0;
    unsigned char *png = read_file(fixture(dir, "gray.png"), &png_len);
    unsigned char *jpg = read_file(fixture(dir, "gray.jpg"), &jpg_len);
    unsigned char *trunc = read_file(fixture(dir, "truncated.jpg"), &trunc_len);
    unsigned char *junk = read_file(fixture(dir, "garbage.bin"), &junk_len);
    unsigned char *bomb = read_file(fixture(dir, "bomb.png"), &bomb_len);
    CHECK(png && jpg && trunc && junk && bomb);
    if (!(png && jpg && trunc && junk && bomb)) {
        goto out;
    }

    CHECK_STATUS(docscreen_screen_encoded(NULL, png, png_len, &r), DOCSCREEN_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(docscreen_screen_encoded(s, NULL, png_len, &r), DOCSCREEN_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(docscreen_screen_encoded(s, png, png_len, NULL), DOCSCREEN_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(docscreen_screen_encoded(s, png, 0, &r), DOCSCREEN_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(docscreen_screen_encoded(s, junk, junk_len, &r), DOCSCREEN_STATUS_BAD_IMAGE);
    /* Cut inside its tables, before the image data. (A JPEG cut inside its
       image data is refused too, as it lacks its end-of-image marker:
       tests/capi.rs compares that outcome with the Rust API's, and
       tests/c/hostile.c checks it.) */
    CHECK_STATUS(docscreen_screen_encoded(s, trunc, trunc_len, &r), DOCSCREEN_STATUS_BAD_IMAGE);
    CHECK_STATUS(docscreen_screen_encoded(s, jpg, 2, &r), DOCSCREEN_STATUS_BAD_IMAGE);
    /* The PNG without its last bytes (IEND and part of the data). */
    CHECK_STATUS(docscreen_screen_encoded(s, png, png_len / 2, &r), DOCSCREEN_STATUS_BAD_IMAGE);
    /* A PNG header claiming 100000 × 100000 pixels: refused before decoding. */
    CHECK_STATUS(docscreen_screen_encoded(s, bomb, bomb_len, &r), DOCSCREEN_STATUS_LIMITS_EXCEEDED);
    CHECK(strstr(docscreen_last_error_message(), "docscreen_screen_encoded: limits exceeded: ") != NULL);
    CHECK(r == SENTINEL);

    CHECK_STATUS(docscreen_screen_encoded(s, png, png_len, &r), DOCSCREEN_STATUS_OK);
    CHECK(r != SENTINEL && docscreen_report_verdict(r) == DOCSCREEN_VERDICT_INCONCLUSIVE);
    docscreen_report_free(r);
    r = (docscreen_report *)SENTINEL;
    CHECK_STATUS(docscreen_screen_encoded(s, jpg, jpg_len, &r), DOCSCREEN_STATUS_OK);
    CHECK(r != SENTINEL && docscreen_report_verdict(r) == DOCSCREEN_VERDICT_INCONCLUSIVE);
    docscreen_report_free(r);
    r = (docscreen_report *)SENTINEL;

    CHECK_STATUS(docscreen_screen_file(s, NULL, &r), DOCSCREEN_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(docscreen_screen_file(NULL, fixture(dir, "gray.png"), &r), DOCSCREEN_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(docscreen_screen_file(s, fixture(dir, "gray.png"), NULL), DOCSCREEN_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(docscreen_screen_file(s, "", &r), DOCSCREEN_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(docscreen_screen_file(s, fixture(dir, "no-such-image.png"), &r), DOCSCREEN_STATUS_IO);
    CHECK_STATUS(docscreen_screen_file(s, dir, &r), DOCSCREEN_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(docscreen_screen_file(s, fixture(dir, "truncated.jpg"), &r), DOCSCREEN_STATUS_BAD_IMAGE);
    CHECK(r == SENTINEL);
    CHECK_STATUS(docscreen_screen_file(s, fixture(dir, "gray.png"), &r), DOCSCREEN_STATUS_OK);
    CHECK(r != SENTINEL);
    docscreen_report_free(r);

out:
    free(png);
    free(jpg);
    free(trunc);
    free(junk);
    free(bomb);
}

static void test_limits(const char *dir) {
    docscreen_builder *b = NULL;
    docscreen_screener *s = NULL;
    docscreen_report *r = (docscreen_report *)SENTINEL;
    size_t png_len = 0;
    unsigned char *png = read_file(fixture(dir, "gray.png"), &png_len);
    CHECK(png != NULL);
    if (!png) {
        return;
    }
    CHECK_STATUS(docscreen_builder_new(&b), DOCSCREEN_STATUS_OK);
    CHECK_STATUS(docscreen_builder_set_max_dimensions(b, 32, 32), DOCSCREEN_STATUS_OK);
    CHECK_STATUS(docscreen_builder_build(b, &s), DOCSCREEN_STATUS_OK);
    CHECK_STATUS(docscreen_screen_pixels(s, gray, sizeof gray, W, H, W, DOCSCREEN_PIXEL_FORMAT_GRAY8, &r),
                 DOCSCREEN_STATUS_LIMITS_EXCEEDED);
    CHECK_STATUS(docscreen_screen_encoded(s, png, png_len, &r), DOCSCREEN_STATUS_LIMITS_EXCEEDED);
    CHECK(r == SENTINEL);
    docscreen_screener_free(s);

    CHECK_STATUS(docscreen_builder_new(&b), DOCSCREEN_STATUS_OK);
    CHECK_STATUS(docscreen_builder_set_max_encoded_bytes(b, 10), DOCSCREEN_STATUS_OK);
    CHECK_STATUS(docscreen_builder_build(b, &s), DOCSCREEN_STATUS_OK);
    CHECK_STATUS(docscreen_screen_encoded(s, png, png_len, &r), DOCSCREEN_STATUS_LIMITS_EXCEEDED);
    CHECK_STATUS(docscreen_screen_file(s, fixture(dir, "gray.png"), &r), DOCSCREEN_STATUS_LIMITS_EXCEEDED);
    CHECK(r == SENTINEL);
    docscreen_screener_free(s);

    CHECK_STATUS(docscreen_builder_new(&b), DOCSCREEN_STATUS_OK);
    CHECK_STATUS(docscreen_builder_set_max_pixels(b, W * H - 1), DOCSCREEN_STATUS_OK);
    CHECK_STATUS(docscreen_builder_build(b, &s), DOCSCREEN_STATUS_OK);
    CHECK_STATUS(docscreen_screen_pixels(s, gray, sizeof gray, W, H, W, DOCSCREEN_PIXEL_FORMAT_GRAY8, &r),
                 DOCSCREEN_STATUS_LIMITS_EXCEEDED);
    CHECK(r == SENTINEL);
    docscreen_screener_free(s);
    free(png);
}

static void test_report_accessors(docscreen_screener *s) {
    docscreen_report *r = NULL;
    docscreen_finding f, untouched;
    char *json = (char *)SENTINEL;
    const char *sha;
    size_t n;
    int stack_value = 0;

    /* NULL and foreign pointers: accessors return their documented fallbacks. */
    CHECK(docscreen_report_verdict(NULL) == DOCSCREEN_VERDICT_ERROR);
    CHECK(docscreen_report_finding_count(NULL) == 0);
    CHECK(docscreen_report_mrz_line_count(NULL) == 0);
    CHECK(docscreen_report_mrz_line(NULL, 0) == NULL);
    CHECK(docscreen_report_mrz_format(NULL) == NULL);
    CHECK(!docscreen_report_mrz_valid(NULL));
    CHECK(docscreen_report_image_sha256(NULL) == NULL);
    CHECK(docscreen_report_template_id(NULL) == NULL);
    CHECK_STATUS(docscreen_report_finding(NULL, 0, &f), DOCSCREEN_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(docscreen_report_json(NULL, &json), DOCSCREEN_STATUS_NULL_ARGUMENT);
    CHECK(docscreen_report_verdict((const docscreen_report *)s) == DOCSCREEN_VERDICT_ERROR);
    CHECK(docscreen_report_verdict((const docscreen_report *)&stack_value) == DOCSCREEN_VERDICT_ERROR);
    CHECK_STATUS(docscreen_report_json((const docscreen_report *)s, &json), DOCSCREEN_STATUS_INVALID_HANDLE);
    CHECK(json == SENTINEL);

    CHECK_STATUS(docscreen_screen_pixels(s, gray, sizeof gray, W, H, W, DOCSCREEN_PIXEL_FORMAT_GRAY8, &r),
                 DOCSCREEN_STATUS_OK);
    /* A report is not a screener. */
    {
        docscreen_report *r2 = (docscreen_report *)SENTINEL;
        CHECK_STATUS(docscreen_screen_pixels((const docscreen_screener *)r, gray, sizeof gray, W, H, W,
                                             DOCSCREEN_PIXEL_FORMAT_GRAY8, &r2),
                     DOCSCREEN_STATUS_INVALID_HANDLE);
        CHECK(r2 == SENTINEL);
    }
    n = docscreen_report_finding_count(r);
    CHECK(n >= 1);
    memset(&untouched, 0x5A, sizeof untouched);
    memset(&f, 0x5A, sizeof f);
    CHECK_STATUS(docscreen_report_finding(r, n, &f), DOCSCREEN_STATUS_INDEX_OUT_OF_RANGE);
    CHECK_STATUS(docscreen_report_finding(r, (size_t)-1, &f), DOCSCREEN_STATUS_INDEX_OUT_OF_RANGE);
    CHECK(memcmp(&f, &untouched, sizeof f) == 0);
    CHECK_STATUS(docscreen_report_finding(r, 0, NULL), DOCSCREEN_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(docscreen_report_finding(r, 0, &f), DOCSCREEN_STATUS_OK);
    CHECK(f.code != NULL && strlen(f.code) > 0 && f.message != NULL);
    CHECK(f.severity == DOCSCREEN_SEVERITY_INFO || f.severity == DOCSCREEN_SEVERITY_WARNING ||
          f.severity == DOCSCREEN_SEVERITY_FAIL);

    CHECK_STATUS(docscreen_report_json(r, NULL), DOCSCREEN_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(docscreen_report_json(r, &json), DOCSCREEN_STATUS_OK);
    CHECK(json != SENTINEL && strncmp(json, "{\"verdict\":\"inconclusive\"", 25) == 0);
    sha = docscreen_report_image_sha256(r);
    CHECK(strstr(json, sha) != NULL);
    docscreen_string_free(json);
    docscreen_string_free(json);       /* double free: ignored */
    docscreen_string_free((char *)sha); /* borrowed, not owned: ignored */
    docscreen_string_free((char *)docscreen_version()); /* static: ignored */
    docscreen_string_free(NULL);
    CHECK(strlen(docscreen_report_image_sha256(r)) == 64); /* still intact */

    docscreen_report_free(r);
    /* Use after free and double free are caught by the handle registry. */
    CHECK(docscreen_report_verdict(r) == DOCSCREEN_VERDICT_ERROR);
    CHECK(docscreen_report_finding_count(r) == 0);
    CHECK_STATUS(docscreen_report_finding(r, 0, &f), DOCSCREEN_STATUS_INVALID_HANDLE);
    docscreen_report_free(r);
    docscreen_report_free(NULL);
    docscreen_report_free((docscreen_report *)&stack_value); /* not a handle: ignored */
}

static void test_mrz(void) {
    static const char td3[] = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
                              "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
    static const char bad_digit[] = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<|"
                                    "L898902C37UTO7408122F1204159ZE184226B<<<<<10";
    /* Followed by bytes that are not part of the text: `len` is what counts. */
    static const char with_tail[] = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<|"
                                    "L898902C36UTO7408122F1204159ZE184226B<<<<<10GARBAGE";
    char *json = (char *)SENTINEL;

    CHECK_STATUS(docscreen_mrz_validate(NULL, 10, &json), DOCSCREEN_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(docscreen_mrz_validate(td3, strlen(td3), NULL), DOCSCREEN_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(docscreen_mrz_validate(td3, 0, &json), DOCSCREEN_STATUS_MRZ_TEXT);
    CHECK_STATUS(docscreen_mrz_validate("A|B|C|D", 7, &json), DOCSCREEN_STATUS_MRZ_TEXT);
    CHECK_STATUS(docscreen_mrz_validate(" \n |\n", 4, &json), DOCSCREEN_STATUS_MRZ_TEXT);
    CHECK_STATUS(docscreen_mrz_validate("\xff\xfe\n\xff", 4, &json), DOCSCREEN_STATUS_INVALID_ARGUMENT);
    CHECK(json == SENTINEL);

    CHECK_STATUS(docscreen_mrz_validate(td3, strlen(td3), &json), DOCSCREEN_STATUS_OK);
    CHECK(json != SENTINEL && strstr(json, "\"valid\":true") != NULL && strstr(json, "\"TD3\"") != NULL);
    docscreen_string_free(json);
    json = (char *)SENTINEL;
    /* A wrong check digit is a finding, not an error. */
    CHECK_STATUS(docscreen_mrz_validate(bad_digit, strlen(bad_digit), &json), DOCSCREEN_STATUS_OK);
    CHECK(json != SENTINEL && strstr(json, "\"valid\":false") != NULL);
    docscreen_string_free(json);
    json = (char *)SENTINEL;
    CHECK_STATUS(docscreen_mrz_validate(with_tail, strlen(with_tail) - 7, &json), DOCSCREEN_STATUS_OK);
    CHECK(json != SENTINEL && strstr(json, "\"valid\":true") != NULL);
    docscreen_string_free(json);
}

static int run_statuses(const char *dir) {
    docscreen_builder *b = NULL;
    docscreen_screener *s = NULL;

    test_version_and_messages();
    test_builder(dir);
    CHECK_STATUS(docscreen_builder_new(&b), DOCSCREEN_STATUS_OK);
    CHECK_STATUS(docscreen_builder_build(b, &s), DOCSCREEN_STATUS_OK);
    test_pixels(s);
    test_encoded(s, dir);
    test_limits(dir);
    test_report_accessors(s);
    test_mrz();
    docscreen_screener_free(s);

    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

/* Screens each file from memory and from its path; prints one summary each. */
static int run_dump(int n, char **files) {
    docscreen_builder *b = NULL;
    docscreen_screener *s = NULL;
    int i, rc = 0;

    if (docscreen_builder_new(&b) != DOCSCREEN_STATUS_OK || docscreen_builder_build(b, &s) != DOCSCREEN_STATUS_OK) {
        fprintf(stderr, "cannot build a screener\n");
        return 1;
    }
    for (i = 0; i < n; i++) {
        size_t len = 0;
        unsigned char *data = read_file(files[i], &len);
        docscreen_report *r = NULL, *r2 = NULL;
        docscreen_status st;
        char *a, *c;
        if (!data) {
            fprintf(stderr, "cannot read %s\n", files[i]);
            rc = 1;
            continue;
        }
        st = docscreen_screen_encoded(s, data, len, &r);
        free(data);
        if (st != DOCSCREEN_STATUS_OK) {
            printf("%s error=%u\n", files[i], (unsigned)st);
            continue;
        }
        a = summary(r);
        printf("%s %s\n", files[i], a);
        st = docscreen_screen_file(s, files[i], &r2);
        c = st == DOCSCREEN_STATUS_OK ? summary(r2) : NULL;
        if (!c || strcmp(a, c) != 0) {
            fprintf(stderr, "%s: docscreen_screen_file disagrees with docscreen_screen_encoded\n", files[i]);
            rc = 1;
        }
        free(a);
        free(c);
        docscreen_report_free(r);
        docscreen_report_free(r2);
    }
    docscreen_screener_free(s);
    return rc;
}

int main(int argc, char **argv) {
    if (argc >= 3 && strcmp(argv[1], "statuses") == 0) {
        return run_statuses(argv[2]);
    }
    if (argc >= 2 && strcmp(argv[1], "dump") == 0) {
        return run_dump(argc - 2, argv + 2);
    }
    if (argc >= 2 && strcmp(argv[1], "mrz") == 0) {
        int i;
        for (i = 2; i < argc; i++) {
            char *json = NULL;
            docscreen_status st = docscreen_mrz_validate(argv[i], strlen(argv[i]), &json);
            if (st != DOCSCREEN_STATUS_OK) {
                printf("error=%u\n", (unsigned)st);
                continue;
            }
            printf("%s\n", json);
            docscreen_string_free(json);
        }
        return 0;
    }
    fprintf(stderr, "usage: %s statuses FIXTURE_DIR | dump FILE... | mrz TEXT...\n", argv[0]);
    return 2;
}

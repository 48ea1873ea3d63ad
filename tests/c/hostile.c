/*
 * Hostile inputs through the C API, built and run by tests/capi.rs (also
 * under valgrind there). Each argument is one case with its expected
 * outcome:
 *
 *   e:STATUS:VERDICT:PATH   screen the file's bytes (docscreen_screen_encoded)
 *                           and the file (docscreen_screen_file); on
 *                           STATUS 0 the report's verdict must be VERDICT
 *   f:STATUS:VERDICT:PATH   the file only (for files too big to load)
 *   t:STATUS:PATH           add a template file or directory to a builder
 *   p:STATUS:VERDICT:W:H:STRIDE:FORMAT:LEN
 *                           screen a LEN-byte pixel buffer
 *
 * STATUS is a docscreen_status number, VERDICT a docscreen_verdict number.
 * Every failed call must leave its out-parameter untouched and set a last
 * error message naming the function. Prints "N passed, M failed".
 */
#include "common.h"

static int passed, failed;

static void check(int ok, const char *what, const char *arg) {
    if (ok) {
        passed++;
    } else {
        failed++;
        fprintf(stderr, "FAILED: %s for %s (last error: %s)\n", what, arg,
                docscreen_last_error_message() ? docscreen_last_error_message() : "(none)");
    }
}

static char sentinel_byte;
#define SENTINEL ((docscreen_report *)(void *)&sentinel_byte)

/* Checks a screening call's status, and the report or the error state. */
static void expect_screen(docscreen_status got, docscreen_report *r, unsigned status, unsigned verdict,
                          const char *fn, const char *arg) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s returned %u (%s), expected %u", fn, (unsigned)got, docscreen_status_message(got),
             status);
    check(got == status, buf, arg);
    if (got != DOCSCREEN_STATUS_OK) {
        const char *m = docscreen_last_error_message();
        check(r == SENTINEL, "out-parameter written on error", arg);
        check(m != NULL && strncmp(m, fn, strlen(fn)) == 0, "last error names the function", arg);
        return;
    }
    snprintf(buf, sizeof buf, "verdict %u, expected %u", (unsigned)docscreen_report_verdict(r), verdict);
    check(docscreen_report_verdict(r) == (docscreen_verdict)verdict, buf, arg);
    {
        /* The report is complete: JSON, the accessors' summary and every
           finding are readable. */
        char *json = NULL;
        char *line = summary(r);
        snprintf(buf, sizeof buf, "verdict=%u ", verdict);
        check(line != NULL && strncmp(line, buf, strlen(buf)) == 0, "summary", arg);
        free(line);
        size_t i, n = docscreen_report_finding_count(r);
        check(docscreen_report_json(r, &json) == DOCSCREEN_STATUS_OK && json && json[0] == '{', "report JSON", arg);
        docscreen_string_free(json);
        for (i = 0; i < n; i++) {
            docscreen_finding f;
            check(docscreen_report_finding(r, i, &f) == DOCSCREEN_STATUS_OK && f.code && f.message, "finding", arg);
        }
    }
    docscreen_report_free(r);
}

static void encoded(const docscreen_screener *s, unsigned status, unsigned verdict, const char *path,
                    int from_memory, const char *arg) {
    docscreen_report *r = SENTINEL;
    if (from_memory) {
        size_t len = 0;
        unsigned char *bytes = read_file(path, &len);
        check(bytes != NULL, "fixture readable", arg);
        if (bytes) {
            /* A zero-length file is passed as a valid pointer with length 0. */
            /* The status first: the report is read after the call. */
            docscreen_status got = docscreen_screen_encoded(s, bytes, len, &r);
            expect_screen(got, r, status, verdict, "docscreen_screen_encoded", arg);
            free(bytes);
        }
    }
    r = SENTINEL;
    {
        docscreen_status got = docscreen_screen_file(s, path, &r);
        expect_screen(got, r, status, verdict, "docscreen_screen_file", arg);
    }
}

static void pixels(const docscreen_screener *s, unsigned status, unsigned verdict, const char *spec,
                   const char *arg) {
    unsigned long w, h, stride, format, len;
    unsigned char *buf;
    docscreen_report *r = SENTINEL;
    if (sscanf(spec, "%lu:%lu:%lu:%lu:%lu", &w, &h, &stride, &format, &len) != 5) {
        check(0, "pixel spec parses", arg);
        return;
    }
    buf = (unsigned char *)malloc(len ? len : 1);
    if (!buf) {
        check(0, "allocation", arg);
        return;
    }
    memset(buf, 0x80, len);
    {
        docscreen_status got =
            docscreen_screen_pixels(s, buf, len, (uint32_t)w, (uint32_t)h, (size_t)stride, (uint32_t)format, &r);
        expect_screen(got, r, status, verdict, "docscreen_screen_pixels", arg);
    }
    free(buf);
}

static void template_case(unsigned status, const char *path, const char *arg) {
    docscreen_builder *b = NULL;
    docscreen_screener *s = NULL;
    docscreen_status got;
    char buf[256];
    if (docscreen_builder_new(&b) != DOCSCREEN_STATUS_OK) {
        check(0, "builder", arg);
        return;
    }
    got = docscreen_builder_add_templates_path(b, path);
    snprintf(buf, sizeof buf, "add_templates_path returned %u (%s), expected %u", (unsigned)got,
             docscreen_status_message(got), status);
    check(got == status, buf, arg);
    if (got != DOCSCREEN_STATUS_OK) {
        const char *m = docscreen_last_error_message();
        check(m != NULL && strstr(m, "docscreen_builder_add_templates_path: ") == m, "last error names the function",
              arg);
    }
    /* The builder stays usable after a refused template. */
    check(docscreen_builder_build(b, &s) == DOCSCREEN_STATUS_OK, "build after the template", arg);
    docscreen_screener_free(s);
}

int main(int argc, char **argv) {
    docscreen_builder *b = NULL;
    docscreen_screener *s = NULL;
    int i;
    if (docscreen_builder_new(&b) != DOCSCREEN_STATUS_OK || docscreen_builder_build(b, &s) != DOCSCREEN_STATUS_OK) {
        fprintf(stderr, "cannot build a screener\n");
        return 1;
    }
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        unsigned status = 0, verdict = 0;
        int n = 0;
        if ((a[0] == 'e' || a[0] == 'f') && sscanf(a + 1, ":%u:%u:%n", &status, &verdict, &n) == 2 && n > 0) {
            encoded(s, status, verdict, a + 1 + n, a[0] == 'e', a);
        } else if (a[0] == 'p' && sscanf(a + 1, ":%u:%u:%n", &status, &verdict, &n) == 2 && n > 0) {
            pixels(s, status, verdict, a + 1 + n, a);
        } else if (a[0] == 't' && sscanf(a + 1, ":%u:%n", &status, &n) == 1 && n > 0) {
            template_case(status, a + 1 + n, a);
        } else {
            fprintf(stderr, "bad case %s\n", a);
            failed++;
        }
    }
    docscreen_screener_free(s);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

/* Helpers shared by the C test programs (tests/capi.rs builds and runs them). */
#ifndef DOCSCREEN_TEST_COMMON_H
#define DOCSCREEN_TEST_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docscreen.h"

/* Reads a whole file; NULL on failure. Free with free(). */
static unsigned char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long n;
    if (!f) {
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return NULL;
    }
    buf = (unsigned char *)malloc(n > 0 ? (size_t)n : 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* A growing string. */
typedef struct {
    char *s;
    size_t len, cap;
} text;

static void text_add(text *t, const char *s) {
    size_t n = strlen(s);
    if (t->len + n + 1 > t->cap) {
        size_t cap = (t->len + n + 1) * 2;
        char *p = (char *)realloc(t->s, cap);
        if (!p) {
            abort();
        }
        t->s = p;
        t->cap = cap;
    }
    memcpy(t->s + t->len, s, n + 1);
    t->len += n;
}

static void text_add_double(text *t, int has, double v) {
    char buf[32];
    uint64_t bits;
    if (!has) {
        text_add(t, "-");
        return;
    }
    /* The exact bits, so that the Rust side can compare without float formatting. */
    memcpy(&bits, &v, sizeof bits);
    snprintf(buf, sizeof buf, "%016llx", (unsigned long long)bits);
    text_add(t, buf);
}

/*
 * One line describing a report through the accessors; tests/capi.rs builds
 * the same line from the Rust `Report`:
 * verdict=N sha256=HEX mrz=FORMAT valid=0|1 lines=L1|L2 template=ID
 * findings=code/severity/zone/score/threshold/message;...
 */
static char *summary(const docscreen_report *r) {
    text t = {NULL, 0, 0};
    char buf[64];
    size_t i, n;
    const char *s;

    snprintf(buf, sizeof buf, "verdict=%u", (unsigned)docscreen_report_verdict(r));
    text_add(&t, buf);
    text_add(&t, " sha256=");
    s = docscreen_report_image_sha256(r);
    text_add(&t, s ? s : "(null)");
    text_add(&t, " mrz=");
    s = docscreen_report_mrz_format(r);
    text_add(&t, s ? s : "-");
    text_add(&t, docscreen_report_mrz_valid(r) ? " valid=1" : " valid=0");
    text_add(&t, " lines=");
    n = docscreen_report_mrz_line_count(r);
    for (i = 0; i < n; i++) {
        if (i > 0) {
            text_add(&t, "|");
        }
        s = docscreen_report_mrz_line(r, i);
        text_add(&t, s ? s : "(null)");
    }
    text_add(&t, " template=");
    s = docscreen_report_template_id(r);
    text_add(&t, s ? s : "-");
    text_add(&t, " findings=");
    n = docscreen_report_finding_count(r);
    for (i = 0; i < n; i++) {
        docscreen_finding f;
        if (docscreen_report_finding(r, i, &f) != DOCSCREEN_STATUS_OK) {
            text_add(&t, "(error);");
            continue;
        }
        text_add(&t, f.code);
        snprintf(buf, sizeof buf, "/%u/", (unsigned)f.severity);
        text_add(&t, buf);
        text_add(&t, f.zone ? f.zone : "-");
        text_add(&t, "/");
        text_add_double(&t, f.has_score, f.score);
        text_add(&t, "/");
        text_add_double(&t, f.has_threshold, f.threshold);
        text_add(&t, "/");
        text_add(&t, f.message);
        text_add(&t, ";");
    }
    return t.s;
}

#endif

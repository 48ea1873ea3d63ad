/*
 * screen: screens document images with docscreen's C API.
 *
 *   screen [--templates FILE_OR_DIR]... IMAGE...
 *
 * Prints, per image, the verdict, the MRZ lines and the findings. Exit
 * status as `docscreen screen`: 0 when every image was screened (whatever
 * the verdicts), 1 on usage errors, 2 when an image could not be screened.
 *
 * Build (see docs/c-api.md):
 *   cc -std=c99 -Wall -Wextra -Iinclude examples/c/screen.c \
 *      -Ltarget/release -ldocscreen -Wl,-rpath,"$PWD/target/release" -o screen
 */
#include <stdio.h>
#include <string.h>

#include "docscreen.h"

static const char *verdict_name(docscreen_verdict v) {
    switch (v) {
    case DOCSCREEN_VERDICT_PASS: return "PASS";
    case DOCSCREEN_VERDICT_FAIL: return "FAIL";
    case DOCSCREEN_VERDICT_INCONCLUSIVE: return "INCONCLUSIVE";
    default: return "?";
    }
}

static const char *severity_name(docscreen_severity s) {
    switch (s) {
    case DOCSCREEN_SEVERITY_INFO: return "info";
    case DOCSCREEN_SEVERITY_WARNING: return "warning";
    case DOCSCREEN_SEVERITY_FAIL: return "FAIL";
    default: return "?";
    }
}

static void print_report(const char *file, const docscreen_report *r) {
    size_t i, n;
    const char *format = docscreen_report_mrz_format(r);

    printf("%s: %s\n", file, verdict_name(docscreen_report_verdict(r)));
    n = docscreen_report_mrz_line_count(r);
    if (n > 0) {
        printf("  MRZ %s, %s\n", format ? format : "?",
               docscreen_report_mrz_valid(r) ? "valid" : "INVALID");
    } else {
        printf("  no MRZ read\n");
    }
    for (i = 0; i < n; i++) {
        printf("    %s\n", docscreen_report_mrz_line(r, i));
    }
    n = docscreen_report_finding_count(r);
    for (i = 0; i < n; i++) {
        docscreen_finding f;
        if (docscreen_report_finding(r, i, &f) != DOCSCREEN_STATUS_OK) {
            continue;
        }
        printf("  %-7s %s", severity_name(f.severity), f.code);
        if (f.zone) {
            printf(" [%s]", f.zone);
        }
        if (f.has_score) {
            printf(" score %.3f", f.score);
            if (f.has_threshold) {
                printf(" (threshold %.3f)", f.threshold);
            }
        }
        printf(": %s\n", f.message);
    }
}

int main(int argc, char **argv) {
    docscreen_builder *builder = NULL;
    docscreen_screener *screener = NULL;
    docscreen_status st;
    int i, images = 0, failed = 0;

    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        fprintf(stderr, "usage: %s [--templates FILE_OR_DIR]... IMAGE...\n", argv[0]);
        return 1;
    }
    st = docscreen_builder_new(&builder);
    if (st != DOCSCREEN_STATUS_OK) {
        fprintf(stderr, "screen: %s\n", docscreen_status_message(st));
        return 2;
    }
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--templates") != 0) {
            images++;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "screen: --templates needs a file or directory\n");
            docscreen_builder_free(builder);
            return 1;
        }
        i++;
        st = docscreen_builder_add_templates_path(builder, argv[i]);
        if (st != DOCSCREEN_STATUS_OK) {
            /* The status is the stable part; the last error adds the detail. */
            fprintf(stderr, "screen: %s: %s (%s)\n", argv[i], docscreen_status_message(st),
                    docscreen_last_error_message());
            docscreen_builder_free(builder);
            return 2;
        }
    }
    if (images == 0) {
        fprintf(stderr, "screen: no image given\n");
        docscreen_builder_free(builder);
        return 1;
    }
    /* Consumes the builder, whatever the outcome. */
    st = docscreen_builder_build(builder, &screener);
    builder = NULL;
    if (st != DOCSCREEN_STATUS_OK) {
        fprintf(stderr, "screen: %s (%s)\n", docscreen_status_message(st), docscreen_last_error_message());
        return 2;
    }

    printf("docscreen %s\n", docscreen_version());
    for (i = 1; i < argc; i++) {
        docscreen_report *report = NULL;
        if (strcmp(argv[i], "--templates") == 0) {
            i++;
            continue;
        }
        st = docscreen_screen_file(screener, argv[i], &report);
        if (st != DOCSCREEN_STATUS_OK) {
            printf("%s: error: %s (%s)\n", argv[i], docscreen_status_message(st),
                   docscreen_last_error_message());
            failed = 1;
            continue;
        }
        print_report(argv[i], report);
        docscreen_report_free(report);
    }
    docscreen_screener_free(screener);
    return failed ? 2 : 0;
}

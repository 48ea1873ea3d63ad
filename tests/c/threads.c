/*
 * Two threads screening with one shared screener give the same reports as
 * one thread. Built and run by tests/capi.rs:
 *
 *   threads ROUNDS FILE...
 *
 * Screens every file (plus an in-memory pixel image) once on the main thread
 * for reference, then from two threads at once, ROUNDS times each, in
 * opposite orders, comparing every report's summary (see common.h) with the
 * reference. Exit status 0 when all agree.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>

#include "common.h"

#define MAX_INPUTS 16

typedef struct {
    unsigned char *data;
    size_t len;
    int is_pixels;
    char *reference;
} input;

static input inputs[MAX_INPUTS];
static int n_inputs, rounds;
static const docscreen_screener *screener;

static unsigned char pixels[96 * 64 * 3];

/* The summary of screening input i, or NULL on error. */
static char *screen_one(int i) {
    docscreen_report *r = NULL;
    docscreen_status st;
    char *s;
    if (inputs[i].is_pixels) {
        st = docscreen_screen_pixels(screener, inputs[i].data, inputs[i].len, 96, 64, 96 * 3,
                                     DOCSCREEN_PIXEL_FORMAT_BGR8, &r);
    } else {
        st = docscreen_screen_encoded(screener, inputs[i].data, inputs[i].len, &r);
    }
    if (st != DOCSCREEN_STATUS_OK) {
        fprintf(stderr, "input %d: %s\n", i, docscreen_status_message(st));
        return NULL;
    }
    s = summary(r);
    docscreen_report_free(r);
    return s;
}

typedef struct {
    int reverse;
    int mismatches;
} worker;

static void *work(void *arg) {
    worker *w = (worker *)arg;
    int round, k;
    for (round = 0; round < rounds; round++) {
        for (k = 0; k < n_inputs; k++) {
            int i = w->reverse ? n_inputs - 1 - k : k;
            char *s = screen_one(i);
            if (!s || strcmp(s, inputs[i].reference) != 0) {
                fprintf(stderr, "thread %d, input %d: report differs\n  got:  %s\n  want: %s\n", w->reverse,
                        i, s ? s : "(error)", inputs[i].reference);
                w->mismatches++;
            }
            free(s);
        }
    }
    return NULL;
}

int main(int argc, char **argv) {
    docscreen_builder *b = NULL;
    docscreen_screener *s = NULL;
    pthread_t threads[2];
    worker workers[2] = {{0, 0}, {1, 0}};
    int i, rc = 0;
    size_t p;

    if (argc < 2 || argc - 2 > MAX_INPUTS - 1) {
        fprintf(stderr, "usage: %s ROUNDS [FILE...]\n", argv[0]);
        return 2;
    }
    rounds = atoi(argv[1]);
    for (i = 2; i < argc; i++) {
        input *in = &inputs[n_inputs++];
        in->data = read_file(argv[i], &in->len);
        if (!in->data) {
            fprintf(stderr, "cannot read %s\n", argv[i]);
            return 2;
        }
    }
    for (p = 0; p < sizeof pixels; p++) {
        pixels[p] = (unsigned char)(p * 7 % 251);
    }
    inputs[n_inputs].data = pixels;
    inputs[n_inputs].len = sizeof pixels;
    inputs[n_inputs].is_pixels = 1;
    n_inputs++;

    if (docscreen_builder_new(&b) != DOCSCREEN_STATUS_OK || docscreen_builder_build(b, &s) != DOCSCREEN_STATUS_OK) {
        fprintf(stderr, "cannot build a screener\n");
        return 2;
    }
    screener = s;
    for (i = 0; i < n_inputs; i++) {
        inputs[i].reference = screen_one(i);
        if (!inputs[i].reference) {
            return 2;
        }
    }
    for (i = 0; i < 2; i++) {
        if (pthread_create(&threads[i], NULL, work, &workers[i]) != 0) {
            fprintf(stderr, "pthread_create failed\n");
            return 2;
        }
    }
    for (i = 0; i < 2; i++) {
        pthread_join(threads[i], NULL);
        if (workers[i].mismatches) {
            rc = 1;
        }
    }
    printf("%d inputs, 2 threads x %d rounds: %s\n", n_inputs, rounds, rc ? "MISMATCH" : "all reports equal");
    for (i = 0; i < n_inputs; i++) {
        if (!inputs[i].is_pixels) {
            free(inputs[i].data);
        }
        free(inputs[i].reference);
    }
    docscreen_screener_free(s);
    return rc;
}

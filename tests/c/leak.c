/*
 * Leaks a report and a string on purpose: under valgrind, tests/capi.rs
 * expects this to fail, proving that the harness would catch a leak (the
 * handle registry must not make leaked handles look reachable).
 */
#include "docscreen.h"

#include <string.h>

int main(void) {
    static const unsigned char gray[16 * 16] = {0};
    docscreen_builder *b = NULL;
    docscreen_screener *s = NULL;
    docscreen_report *r = NULL;
    char *json = NULL;
    const char *mrz = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<|L898902C36UTO7408122F1204159ZE184226B<<<<<10";
    if (docscreen_builder_new(&b) != DOCSCREEN_STATUS_OK || docscreen_builder_build(b, &s) != DOCSCREEN_STATUS_OK ||
        docscreen_screen_pixels(s, gray, sizeof gray, 16, 16, 16, DOCSCREEN_PIXEL_FORMAT_GRAY8, &r) != DOCSCREEN_STATUS_OK ||
        docscreen_mrz_validate(mrz, strlen(mrz), &json) != DOCSCREEN_STATUS_OK) {
        return 1;
    }
    docscreen_screener_free(s);
    return 0; /* r and json leak */
}

// A C++ translation unit using docscreen.h: the header must compile as C++
// (tests/capi.rs builds this with -Wall -Wextra -Werror and runs it).
#include "docscreen.h"

#include <cstdio>
#include <cstring>
#include <vector>

int main() {
    docscreen_builder *builder = nullptr;
    docscreen_screener *screener = nullptr;
    if (docscreen_builder_new(&builder) != DOCSCREEN_STATUS_OK ||
        docscreen_builder_build(builder, &screener) != DOCSCREEN_STATUS_OK) {
        std::fprintf(stderr, "cannot build a screener\n");
        return 1;
    }

    const uint32_t width = 40, height = 30;
    std::vector<uint8_t> rgba(width * height * 4, 200);
    docscreen_report *report = nullptr;
    docscreen_status st = docscreen_screen_pixels(screener, rgba.data(), rgba.size(), width, height,
                                                  width * 4, DOCSCREEN_PIXEL_FORMAT_RGBA8, &report);
    int rc = 0;
    if (st != DOCSCREEN_STATUS_OK) {
        std::fprintf(stderr, "screen: %s\n", docscreen_status_message(st));
        rc = 1;
    } else if (docscreen_report_verdict(report) != DOCSCREEN_VERDICT_INCONCLUSIVE) {
        std::fprintf(stderr, "a blank image must be inconclusive\n");
        rc = 1;
    }
    docscreen_report_free(report);
    docscreen_screener_free(screener);

    if (std::strcmp(docscreen_version(), DOCSCREEN_VERSION) != 0) {
        std::fprintf(stderr, "header %s, library %s\n", DOCSCREEN_VERSION, docscreen_version());
        rc = 1;
    }
    std::printf("C++: docscreen %s, status %s\n", docscreen_version(), docscreen_status_message(st));
    return rc;
}

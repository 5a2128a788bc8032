// zlib (Debian: zlib1g-dev): the deflate stream and the CRC-32 of the PNG images WAHTTP writes.
#include <zlib.h>

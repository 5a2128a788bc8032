// libqrencode (Debian: libqrencode-dev), the QR encoder behind the QR code images of GET /v1/instances/{id}/qr.png.
#include <qrencode.h>

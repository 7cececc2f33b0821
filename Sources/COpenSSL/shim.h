// The system's libcrypto (Debian: libssl-dev): HMAC-SHA256 for signing Jupyter
// messages, and a constant-time comparison for checking them.
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

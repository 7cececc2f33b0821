// The system's libcrypto (Debian: libssl-dev): HMAC-SHA256 for signing Jupyter
// messages, a constant-time comparison for checking them, and SHA-256 for the sweep
// store's content-addressed task ids.
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

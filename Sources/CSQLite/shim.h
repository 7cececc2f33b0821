// SQLite 3 from Debian's libsqlite3-dev: the sweep store (Sources/LkSweep/Store.swift).
#include <sqlite3.h>

// SQLITE_TRANSIENT is a macro casting -1 to a function pointer, which Swift
// cannot import; this constant carries the same value.
static const sqlite3_destructor_type lk_sqlite_transient = (sqlite3_destructor_type)-1;

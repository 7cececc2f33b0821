// SQLite 3 from Debian's libsqlite3-dev: the sweep store (Sources/LkSweep/Store.swift).
#include <sqlite3.h>

// SQLITE_TRANSIENT is a macro casting -1 to a function pointer, which Swift
// cannot import; this constant carries the same value.
static const sqlite3_destructor_type lk_sqlite_transient = (sqlite3_destructor_type)-1;

// Many short-lived task processes open the store one after another: without this,
// each one's close checkpoints the WAL into the database, fsyncs, and deletes the
// -wal and -shm files for the next process to create again (sqlite3_db_config is
// variadic, which Swift cannot call). Committed data is in the WAL either way;
// SQLite's automatic checkpoint (every 1000 pages) and the launcher's final
// checkpoint fold it into the database file.
static inline int lk_sqlite_keep_wal_on_close(sqlite3 *db) {
    int on = 1;
    sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)0);
    return sqlite3_file_control(db, "main", SQLITE_FCNTL_PERSIST_WAL, &on);
}

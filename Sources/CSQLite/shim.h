// SQLite (Debian: libsqlite3-dev), the embedded study storage.
#include <sqlite3.h>

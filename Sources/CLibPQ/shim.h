// PostgreSQL's client library (Debian: libpq-dev), the study storage shared by workers on
// many hosts.
#include <libpq-fe.h>

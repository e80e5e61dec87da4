/// A thin, safe wrapper over SQLite (Debian's libsqlite3): connections opened in WAL mode with
/// `synchronous=FULL`, prepared statements with typed binding and strict typed columns, a
/// statement cache, explicit transactions that roll back on throw, and numbered migrations.
///
/// ## Threads
/// A `Connection` and its `Statement`s are **not `Sendable`**: they belong to one thread or task
/// at a time. The library opens connections with `SQLITE_OPEN_NOMUTEX`, so nothing inside
/// serialises concurrent use; give the connection to one owner (an actor, or a service's own
/// task) and hand it on with `sending` if ownership must move. Several connections to one file,
/// in one process or several, are safe: that is what WAL and the busy timeout are for.
public enum SQLite {}

/// A thin wrapper over SQLite (libsqlite3): connections, statements, transactions, WAL.
public enum SQLite {}

/// A strict TOML 1.0 reader that keeps the line of every key and value.
public enum TOML {}

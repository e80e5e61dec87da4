/// The systemd service protocol: sd_notify, socket activation, watchdog.
public enum Systemd {}

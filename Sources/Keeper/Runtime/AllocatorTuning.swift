import CMalloc

/// glibc's allocator, tuned for a daemon whose ticks allocate tens of megabytes that die with
/// the tick (an Aave tick over 10,000 positions reads megabytes of JSON and ABI data).
///
/// With glibc's defaults the keeper's resident memory grows tick after tick (115 MB after a few
/// ticks on `aave-10000`, and rising) although what it keeps between ticks is a few megabytes:
/// - each thread that allocates under contention gets an arena of its own (up to 8 per core),
///   and memory freed in one arena is never reused by another;
/// - the mmap threshold adapts upwards (to 32 MB) once a large block is freed, so later large
///   buffers come from the arenas and leave them fragmented instead of going back to the system.
///
/// ``apply()`` caps the arenas at two and fixes the mmap and trim thresholds at 128 KiB: large
/// buffers are mapped and unmapped, and free memory at the top of a heap is returned at once.
/// ``releaseFreeMemory()`` (after each tick that read the chain) returns the free pages inside
/// the heaps too. Measured in BENCHMARKS.md (keeper-bench tick).
public enum AllocatorTuning {
    /// The largest block served from the heap; larger ones are mapped on their own.
    public static let mmapThreshold: Int32 = 128 * 1024

    /// Call once, early in `keeper run`.
    public static func apply() {
        _ = mallopt(M_ARENA_MAX, 2)
        _ = mallopt(M_MMAP_THRESHOLD, mmapThreshold)
        _ = mallopt(M_TRIM_THRESHOLD, mmapThreshold)
    }

    /// Returns the free memory of every heap to the system (`malloc_trim(0)`).
    public static func releaseFreeMemory() {
        _ = malloc_trim(0)
    }
}

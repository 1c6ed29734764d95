namespace Sockscope.Tests.Support;

/// <summary>
/// Finds the real traces in ../shared/etl-samples beside the checkout. They are never copied into the repository,
/// so tests that need them skip when the folder is absent (a user's fresh clone). The environment variable
/// SOCKSCOPE_SHARED, when set, names the shared folder instead (SOCKSCOPE_SHARED=/nonexistent runs the suite as a
/// fresh clone would).
/// </summary>
public static class SharedSamples
{
    private static readonly Lazy<string?> Folder = new(Locate);

    /// <summary>The etl-samples folder, or null.</summary>
    public static string? Directory => Folder.Value;

    /// <summary>Why tests that need the samples skip, or null when they are there.</summary>
    public static string? SkipReason => Directory is null ? "../shared/etl-samples is absent" : null;

    /// <summary>The repository root (the folder holding Sockscope.slnx).</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>The names (without .etl) of the real traces that have a peer reference.</summary>
    public static IEnumerable<object[]> TraceNames()
    {
        if (Directory is null) return [new object[] { "(none)" }];
        return System.IO.Directory.GetFiles(Path.Combine(Directory, "reference"), "*.summary.json")
            .Select(p => Path.GetFileName(p)[..^".summary.json".Length])
            .Order(StringComparer.Ordinal)
            .Select(n => new object[] { n });
    }

    /// <summary>The path of a sample file.</summary>
    public static string PathOf(string name) => Path.Combine(Directory!, name);

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Sockscope.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("cannot find the repository root (Sockscope.slnx)");
    }

    private static string? Locate()
    {
        string shared = Environment.GetEnvironmentVariable("SOCKSCOPE_SHARED") is { Length: > 0 } named ? named : Path.Combine(RepositoryRoot, "..", "shared");
        string candidate = Path.GetFullPath(Path.Combine(shared, "etl-samples"));
        return System.IO.Directory.Exists(candidate) && File.Exists(Path.Combine(candidate, "INDEX.md")) ? candidate : null;
    }
}

/// <summary>A fact that skips when ../shared/etl-samples is absent.</summary>
public sealed class SharedSamplesFactAttribute : FactAttribute
{
    public SharedSamplesFactAttribute()
    {
        if (SharedSamples.SkipReason is { } reason) Skip = reason;
    }
}

/// <summary>A theory that skips when ../shared/etl-samples is absent.</summary>
public sealed class SharedSamplesTheoryAttribute : TheoryAttribute
{
    public SharedSamplesTheoryAttribute()
    {
        if (SharedSamples.SkipReason is { } reason) Skip = reason;
    }
}

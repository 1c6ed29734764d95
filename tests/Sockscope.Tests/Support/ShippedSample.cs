namespace Sockscope.Tests.Support;

/// <summary>
/// The sample trace shipped in the repository (samples/winsock-mixed.etl, written by <c>sockscope synth --scenario
/// mixed --compress</c>), there in every clone: the README's 602 events and the logfile header, 603 records.
/// </summary>
internal static class ShippedSample
{
    /// <summary>Its path.</summary>
    public static string Path { get; } = System.IO.Path.Combine(SharedSamples.RepositoryRoot, "samples", "winsock-mixed.etl");

    /// <summary>Its records, every provider.</summary>
    public const int Records = 603;
}

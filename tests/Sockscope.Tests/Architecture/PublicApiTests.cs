using Sockscope.Tests.Support;

namespace Sockscope.Tests.Architecture;

/// <summary>
/// The library's public surface is designed and listed (src/Sockscope/PublicAPI.*.txt, kept by
/// Microsoft.CodeAnalysis.PublicApiAnalyzers, whose RS0016/RS0017 fail the build on drift). These check the same from
/// the compiled assembly's side, so the analyzer being switched off or its files emptied cannot go unnoticed.
/// </summary>
public sealed class PublicApiTests
{
    private static readonly Type[] Exported = typeof(Sockscope.Etl.EtlReader).Assembly.GetExportedTypes();

    private static HashSet<string> ListedTypes()
    {
        string dir = Path.Combine(SharedSamples.RepositoryRoot, "src", "Sockscope");
        return File.ReadLines(Path.Combine(dir, "PublicAPI.Shipped.txt")).Concat(File.ReadLines(Path.Combine(dir, "PublicAPI.Unshipped.txt")))
            .Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^Sockscope(\.\w+)+$"))
            .ToHashSet(StringComparer.Ordinal);
    }

    [Fact]
    public void Every_public_type_is_listed_and_every_listed_type_is_public()
    {
        var exported = Exported.Select(t => t.FullName!.Replace('+', '.')).ToHashSet(StringComparer.Ordinal);
        var listed = ListedTypes();
        Assert.Empty(exported.Except(listed).Order());
        Assert.Empty(listed.Except(exported).Order());
        Assert.Equal(65, exported.Count);
    }

    [Theory]
    // Mechanics the review named, which a user of the library has no job for.
    [InlineData("Sockscope.Decoding.PayloadDecoder")]
    [InlineData("Sockscope.Decoding.Values.FieldFormatter")]
    [InlineData("Sockscope.Sinks.ManifestTypes")]
    [InlineData("Sockscope.Sinks.CatalogText")]
    [InlineData("Sockscope.Etl.BufferPrefetcher")]
    [InlineData("Sockscope.Analysis.SocketAnalyzer")]
    [InlineData("Sockscope.Sinks.ParallelRecordWriter")]
    [InlineData("Sockscope.Etl.Writing.EtlWriter")]
    [InlineData("Sockscope.Synthesis.ScenarioSynthesizer")]
    public void Mechanics_are_internal(string name)
    {
        var type = typeof(Sockscope.Etl.EtlReader).Assembly.GetType(name);
        Assert.NotNull(type);
        Assert.False(type.IsVisible, $"{name} is public");
    }

    [Fact]
    public void Every_job_has_its_public_entry()
    {
        // Open a trace or JSON lines; read records; decode; analyse; write each output.
        string[] entries =
        [
            "Sockscope.Sources.EventSources.Open", "Sockscope.Etl.EtlReader.Open", "Sockscope.Etl.IEventSource.TryRead",
            "Sockscope.Decoding.EventDecoder.TryDecode", "Sockscope.Analysis.TraceAnalysis.Run",
            "Sockscope.Sinks.EventJsonWriter.Write", "Sockscope.Sinks.EventCsvWriter.Write", "Sockscope.Sinks.EventTableWriter.Write",
            "Sockscope.Sinks.SocketWriter.Write", "Sockscope.Sinks.Report.HtmlReport.Write", "Sockscope.Sinks.Database.DatabaseExporter.Export",
            "Sockscope.Sinks.CatalogWriter.Create", "Sockscope.Schema.ManifestReader.Read", "Sockscope.Schema.SchemaCatalog.With",
        ];
        foreach (string entry in entries)
        {
            int dot = entry.LastIndexOf('.');
            var type = Exported.Single(t => t.FullName == entry[..dot]);
            Assert.True(type.GetMethods().Any(m => m.Name == entry[(dot + 1)..] && m.IsPublic), entry);
        }
    }
}

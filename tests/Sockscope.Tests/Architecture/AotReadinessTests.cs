using System.Reflection;
using Sockscope.Etl;

namespace Sockscope.Tests.Architecture;

/// <summary>
/// The tool ships as a native AOT executable, and the tests never publish one (that needs a native tool chain and
/// minutes). What keeps AOT safe in every build is the library declaring itself trimmable, which turns the trim and
/// AOT analyzers on (.editorconfig makes their findings errors): this checks the compiled library still says so, and
/// tells a library user's own trimming that it may trim it.
/// </summary>
public sealed class AotReadinessTests
{
    [Fact]
    public void The_library_is_marked_trimmable()
    {
        var marks = typeof(EtlReader).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Where(a => a.Key == "IsTrimmable").Select(a => a.Value ?? "").ToArray();
        Assert.Equal(["True"], marks);
    }
}

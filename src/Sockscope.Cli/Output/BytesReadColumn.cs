using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Sockscope.Cli.Output;

/// <summary>A progress column with the bytes read so far, for an input whose length is not known (no "of N").</summary>
internal sealed class BytesReadColumn : ProgressColumn
{
    private static readonly string[] Units = ["B", "KB", "MB", "GB", "TB"];

    public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) => new Text(Format(task.Value));

    /// <summary>Bytes in the largest unit that keeps the number at 1 or more, one decimal: "12.3 MB".</summary>
    internal static string Format(double bytes)
    {
        int unit = 0;
        while (bytes >= 1000 && unit < Units.Length - 1)
        {
            bytes /= 1000;
            unit++;
        }
        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes:0} {Units[unit]}")
            : string.Create(CultureInfo.InvariantCulture, $"{bytes:0.0} {Units[unit]}");
    }
}

using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;

namespace Sockscope.Cli.Commands;

/// <summary>
/// Options that take a whole number within bounds. System.CommandLine's own conversion answers "abc" with "Cannot
/// parse argument 'abc' for option '--pid' as expected type 'System.Nullable`1[System.Int64]'", and a validator that
/// reads the value of such an option throws; these parse the text themselves, so every bad value is one sentence
/// naming the option ("--pid: 'abc' is not a number") and exit code 2.
/// </summary>
internal static class NumberOption
{
    /// <summary>An option that may be left out (null then), within <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static Option<T?> Optional<T>(string name, string description, T min, T max, params string[] aliases) where T : struct, IBinaryInteger<T>, IMinMaxValue<T> =>
        new(name, aliases)
        {
            Description = description,
            HelpName = "N",
            CustomParser = result => Parse(result, name, min, max) is { } value ? value : null,
        };

    /// <summary>An option with a default, within <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static Option<T> WithDefault<T>(string name, string description, T defaultValue, T min, T max, params string[] aliases) where T : struct, IBinaryInteger<T>, IMinMaxValue<T> =>
        new(name, aliases)
        {
            Description = description,
            HelpName = "N",
            DefaultValueFactory = _ => defaultValue,
            CustomParser = result => Parse(result, name, min, max) ?? defaultValue,
        };

    /// <summary>The value, or null with the error added to <paramref name="result"/>.</summary>
    private static T? Parse<T>(ArgumentResult result, string name, T min, T max) where T : struct, IBinaryInteger<T>, IMinMaxValue<T>
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (Describe(text, name, min, max, out T value) is { } error)
        {
            result.AddError(error);
            return null;
        }
        return value;
    }

    /// <summary>Null when <paramref name="text"/> is a number in range (then in <paramref name="value"/>), else the sentence that says what is wrong.</summary>
    internal static string? Describe<T>(string text, string name, T min, T max, out T value) where T : struct, IBinaryInteger<T>, IMinMaxValue<T>
    {
        value = default;
        // Read as a number of any size first, so 99999999999 for an int is "out of range", not "not a number".
        if (!BigInteger.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var big))
            return $"{name}: '{text}' is not a number";
        if (big < BigInteger.CreateTruncating(min) || big > BigInteger.CreateTruncating(max))
            return $"{name}: {text} is out of range; {Bounds(min, max)}";
        value = T.CreateTruncating(big);
        return null;
    }

    private static string Bounds<T>(T min, T max) where T : struct, IBinaryInteger<T>, IMinMaxValue<T> =>
        max == T.MaxValue
            ? string.Create(CultureInfo.InvariantCulture, $"use {min} or more")
            : string.Create(CultureInfo.InvariantCulture, $"use {min} to {max}");
}

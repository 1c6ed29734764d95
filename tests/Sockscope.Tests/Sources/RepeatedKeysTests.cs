using System.Text;
using System.Text.Json;
using Sockscope.Sources;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Sources;

/// <summary>The check that makes an event whose field values repeat a key a bad line.</summary>
public class RepeatedKeysTests
{
    private static JsonDocument Object(IEnumerable<string> keys) =>
        JsonDocument.Parse("{" + string.Join(",", keys.Select((k, i) => $"\"{k}\":{i}")) + "}");

    [Theory]
    [InlineData(new[] { "a", "b", "a" }, "a")]
    [InlineData(new[] { "Endpoint", "Status", "Endpoint", "Status" }, "Endpoint")]
    // The same name written two ways is the same key.
    [InlineData(new[] { "Port", "P\\u006Frt" }, "Port")]
    [InlineData(new[] { "\\u00e9t\\u00e9", "x", "\u00e9t\u00e9" }, "\u00e9t\u00e9")]
    public void Finds_the_first_key_written_twice(string[] keys, string repeated)
    {
        using var doc = Object(keys);
        Assert.Equal(repeated, new RepeatedKeys().Find(doc.RootElement));
    }

    [Fact]
    public void Distinct_keys_and_other_values_repeat_nothing()
    {
        var check = new RepeatedKeys();
        using var doc = Object(new[] { "a", "A", "a ", "ab", "b\\u0061" });
        Assert.Null(check.Find(doc.RootElement));
        using var other = JsonDocument.Parse("[1, 1, {\"a\": 1, \"a\": 2}]");
        Assert.Null(check.Find(other.RootElement));
        Assert.Null(check.Find(default));
    }

    [Theory]
    [InlineData(10_000)]
    [InlineData(700_000)]
    public void Large_objects_are_checked_whole(int count)
    {
        var check = new RepeatedKeys();
        var keys = Enumerable.Range(0, count).Select(i => "k" + i).ToList();
        using (var distinct = Object(keys)) Assert.Null(check.Find(distinct.RootElement));
        keys.Add("k" + (count / 2));
        using (var last = Object(keys)) Assert.Equal("k" + (count / 2), check.Find(last.RootElement));
        // What a large object needed is let go: a small one after it is still checked right.
        using var small = Object(new[] { "x", "y", "x" });
        Assert.Equal("x", check.Find(small.RootElement));
    }

    [Fact]
    public void A_name_written_two_ways_is_found_among_many_keys()
    {
        var keys = Enumerable.Range(0, 100).Select(i => "Key" + i).Append("\\u004Bey3").ToList();
        using var doc = Object(keys);
        Assert.Equal("Key3", new RepeatedKeys().Find(doc.RootElement));
    }

    [Fact]
    public void Nothing_is_allocated_per_key_once_warm()
    {
        var check = new RepeatedKeys();
        // 1,000 keys, every other one escaped: the names are copied into memory the check keeps.
        using var doc = Object(Enumerable.Range(0, 1000).Select(i => i % 2 == 0 ? $"Field{i}" : $"\\u0046ield{i}"));
        Assert.Null(check.Find(doc.RootElement));
        NoAllocation.Assert(() => check.Find(doc.RootElement));
    }
}

using System.Collections.Frozen;

namespace Sockscope.Decoding.Values;

/// <summary>Builds the value-to-name tables of this folder.</summary>
internal static class NameTable
{
    /// <summary>
    /// A frozen lookup of the entries. Dictionary.Add, not the indexer: a value listed twice is a mistake in the table
    /// and fails the type's initialisation (and so every test that touches it) rather than silently keeping one name.
    /// </summary>
    public static FrozenDictionary<uint, string> Build((uint Value, string Name)[] entries)
    {
        var all = new Dictionary<uint, string>(entries.Length);
        foreach (var (value, name) in entries) all.Add(value, name);
        return all.ToFrozenDictionary();
    }
}

using System.Reflection;
using System.Reflection.Emit;
using Sockscope.Etl;

namespace Sockscope.Tests.Architecture;

/// <summary>
/// The library is one pipeline in one direction: a stage uses only the stages before it. The check reads the compiled
/// library, not its text: every type a type names in its base type, interfaces, fields, properties, signatures and
/// method bodies (the IL's tokens), so a fully qualified name or a <c>global::</c> cannot slip past it.
/// </summary>
public sealed class StageOrderTests
{
    // Order of the stages: each may use those before it. Schema is the catalog's data, which readers and decoders
    // share; Events names providers from records; Synthesis writes traces from the analysis' model, for tests and the
    // sample, and nothing uses it.
    private static readonly string[] Stages =
        ["Schema", "Etl", "Events", "Sources", "Decoding", "Analysis", "Sinks", "Synthesis"];

    private static readonly Assembly Library = typeof(EtlReader).Assembly;

    private static int StageOf(Type type)
    {
        while (type.IsNested) type = type.DeclaringType!;
        string ns = type.Namespace ?? "";
        if (!ns.StartsWith("Sockscope.", StringComparison.Ordinal)) return -1;
        string first = ns["Sockscope.".Length..].Split('.')[0];
        int stage = Array.IndexOf(Stages, first);
        return stage >= 0 ? stage : throw new InvalidOperationException($"{type.FullName}: namespace {ns} is in no stage; add it to {nameof(Stages)}");
    }

    [Fact]
    public void No_stage_uses_a_later_stage()
    {
        var wrong = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var type in Library.GetTypes())
        {
            if (type.Namespace is null || !type.Namespace.StartsWith("Sockscope.", StringComparison.Ordinal)) continue;
            int stage = StageOf(type);
            foreach (var used in Uses(type))
            {
                if (used.Assembly != Library) continue;
                int usedStage = StageOf(used);
                if (usedStage > stage) wrong.Add($"{Stages[stage]} → {Stages[usedStage]}: {Name(type)} uses {Name(used)}");
            }
        }
        Assert.True(wrong.Count == 0, "Stages used before their turn:\n" + string.Join('\n', wrong));
    }

    [Fact]
    public void The_check_sees_a_use_in_a_method_body_and_in_a_signature()
    {
        // The check itself: it must see what it is for, or an empty list proves nothing.
        var reader = Uses(typeof(EtlReader)).ToHashSet();
        Assert.Contains(typeof(EtlRecord), reader);
        Assert.Contains(typeof(EtlReaderOptions), reader);
        Assert.Contains(typeof(Sockscope.Sinks.EventJsonWriter), Uses(typeof(Sockscope.Sinks.EventCsvWriter)).Concat(Uses(typeof(Sockscope.Sinks.EventTableWriter))));
        Assert.Equal(Stages.Length, Library.GetTypes().Where(t => t.Namespace?.StartsWith("Sockscope.", StringComparison.Ordinal) == true)
            .Select(StageOf).Distinct().Count());
    }

    private static string Name(Type t) => t.FullName?.Replace("Sockscope.", "", StringComparison.Ordinal) ?? t.Name;

    private const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    /// <summary>Every type <paramref name="type"/> names, generic arguments and element types unwrapped.</summary>
    private static IEnumerable<Type> Uses(Type type)
    {
        var found = new HashSet<Type>();
        void Add(Type? t)
        {
            if (t is null || t.IsGenericParameter) return;
            if (t.HasElementType) { Add(t.GetElementType()); return; }
            if (t.IsGenericType && !t.IsGenericTypeDefinition)
            {
                foreach (var a in t.GetGenericArguments()) Add(a);
                t = t.GetGenericTypeDefinition();
            }
            found.Add(t);
        }
        Add(type.BaseType);
        foreach (var i in type.GetInterfaces()) Add(i);
        foreach (var f in type.GetFields(All)) Add(f.FieldType);
        foreach (var p in type.GetProperties(All)) Add(p.PropertyType);
        foreach (var e in type.GetEvents(All)) Add(e.EventHandlerType);
        foreach (var m in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
        {
            if (m is MethodInfo mi) Add(mi.ReturnType);
            foreach (var p in m.GetParameters()) Add(p.ParameterType);
            foreach (var t in BodyUses(m)) Add(t);
        }
        return found;
    }

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    /// <summary>The types the IL of <paramref name="method"/> names: in type, field, method and call-site tokens.</summary>
    private static IEnumerable<Type> BodyUses(MethodBase method)
    {
        byte[]? il;
        try
        {
            il = method.GetMethodBody()?.GetILAsByteArray();
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException)
        {
            yield break;
        }
        if (il is null) yield break;
        var module = method.Module;
        var typeArgs = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        var methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (int at = 0; at < il.Length;)
        {
            short value = il[at] == 0xFE ? (short)(0xFE00 | il[at + 1]) : il[at];
            at += il[at] == 0xFE ? 2 : 1;
            var op = OpCodesByValue[value];
            switch (op.OperandType)
            {
                case OperandType.InlineNone: break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar: at += 1; break;
                case OperandType.InlineVar: at += 2; break;
                case OperandType.InlineI8 or OperandType.InlineR: at += 8; break;
                case OperandType.InlineSwitch: at += 4 + 4 * BitConverter.ToInt32(il, at); break;
                case OperandType.InlineType or OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok:
                {
                    int token = BitConverter.ToInt32(il, at);
                    at += 4;
                    MemberInfo? member;
                    try
                    {
                        member = module.ResolveMember(token, typeArgs, methodArgs);
                    }
                    catch (ArgumentException)
                    {
                        continue;
                    }
                    switch (member)
                    {
                        case Type t: yield return t; break;
                        case FieldInfo f: yield return f.DeclaringType!; yield return f.FieldType; break;
                        case MethodBase m:
                            if (m.DeclaringType is { } owner) yield return owner;
                            if (m is MethodInfo mi) yield return mi.ReturnType;
                            foreach (var p in m.GetParameters()) yield return p.ParameterType;
                            if (m.IsGenericMethod) foreach (var a in m.GetGenericArguments()) yield return a;
                            break;
                    }
                    break;
                }
                default: at += 4; break;
            }
        }
    }
}

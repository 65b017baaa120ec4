using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Jint;
using Jint.Native;
using Jint.Native.Function;
using Jint.Native.Object;
using Jint.Runtime;
using Jint.Runtime.Descriptors;
using Jint.Runtime.Interop;

namespace OpenChatStudio.Core.Pipelines.Scripting;

/// <summary>
/// Replaces the built-ins that could take the host down with guarded versions, installed on every sandboxed engine
/// before its built-ins are frozen. Two kinds of danger:
/// <list type="bullet">
/// <item><b>Depth.</b> Jint recurses in .NET for nested data and chained functions without counting JavaScript frames
/// (<c>JSON.stringify</c> of a 100,000-deep object, <c>String()</c> of a deeply nested array, a long <c>bind</c> chain,
/// nested <c>yield*</c>, a chain of proxies), and a stack overflow cannot be caught in .NET. Each such path is bounded at
/// <see cref="MaxNesting"/> levels, and every guarded call also probes the real stack. <c>Proxy</c> is removed.</item>
/// <item><b>One-call allocation.</b> Jint checks memory between statements, so one call that builds a huge string
/// (<c>repeat</c>, <c>padStart</c>, <c>replace</c> with a text or regex pattern, <c>concat</c>, <c>join</c>,
/// <c>JSON.stringify</c>, <c>encodeURIComponent</c>) could allocate hundreds of megabytes first. Each computes a bound
/// on its result and refuses before allocating.</item>
/// </list>
/// An engine runs one script at a time, so the nesting counter needs no locking.
/// </summary>
internal sealed class JsSandboxGuards
{
    /// <summary>The deepest nesting of data, joins, bound functions, generators or built-in calls a script may build.</summary>
    public const int MaxNesting = 1_000;

    private static readonly ConditionalWeakTable<Engine, ClrFunction> Stringifiers = new();

    private readonly Engine _engine;
    private readonly JsSandboxLimits _limits;
    private readonly HashSet<ObjectInstance> _joining = new(ReferenceEqualityComparer.Instance);
    private JsValue _toLocaleString = JsValue.Undefined;
    private int _nesting;

    private JsSandboxGuards(Engine engine, JsSandboxLimits limits)
    {
        _engine = engine;
        _limits = limits;
    }

    public static void Install(Engine engine, JsSandboxLimits limits) => new JsSandboxGuards(engine, limits).Install();

    /// <summary>
    /// The engine's guarded JSON.stringify as installed, for host code: a script may rebind the global <c>JSON</c>, so
    /// the host never looks it up by name.
    /// </summary>
    public static JsValue Stringify(Engine engine, JsValue value) =>
        engine.Call(Stringifiers.TryGetValue(engine, out var stringify) ? stringify
            : throw new InvalidOperationException("The engine was not created by the sandbox."), JsValue.Undefined, [value]);

    private void Install()
    {
        _engine.Global.Delete("Proxy");
        _toLocaleString = _engine.Evaluate("(function (v) { 'use strict'; return v.toLocaleString(); })");

        var strings = Prototype("String");
        GuardLength(strings, "repeat", 1, (self, args) =>
        {
            var count = TypeConverter.ToNumber(Arg(args, 0));
            args[0] = JsNumber.Create(count);
            return double.IsFinite(count) && count > 0 ? self.Length * count : 0;
        });
        GuardLength(strings, "padStart", 2, PadLength);
        GuardLength(strings, "padEnd", 2, PadLength);
        GuardLength(strings, "replace", 2, (self, args) => TextReplacedLength(self, args, all: false));
        GuardLength(strings, "replaceAll", 2, (self, args) => TextReplacedLength(self, args, all: true));
        GuardLength(strings, "concat", 1, (self, args) =>
        {
            var total = (double)self.Length;
            for (var i = 0; i < args.Length; i++)
            {
                args[i] = JsString.Create(TypeConverter.ToString(args[i]));
                total += args[i].AsString().Length;
            }
            return total;
        });

        var regExps = Prototype("RegExp");
        var replaceSymbol = _engine.Evaluate("Symbol.replace");
        var regExpReplace = regExps.Get(replaceSymbol);
        Define(regExps, replaceSymbol, Function("[Symbol.replace]", 2, (thisObject, arguments) =>
        {
            if (thisObject is ObjectInstance regExp && Arg(arguments, 1) is var replacement && !replacement.IsCallable())
            {
                var text = TypeConverter.ToString(Arg(arguments, 0));
                var with = TypeConverter.ToString(replacement);
                var global = TypeConverter.ToBoolean(regExp.Get("global"));
                EnsureLength(RegExpReplacedLength(text, with, global));
                arguments = [JsString.Create(text), JsString.Create(with)];
            }
            return _engine.Call(regExpReplace, thisObject, arguments);
        }));

        foreach (var name in new[] { "encodeURI", "encodeURIComponent", "escape" })
        {
            var original = _engine.Global.Get(name);
            Define(_engine.Global, name, Function(name, 1, (thisObject, arguments) =>
            {
                var text = TypeConverter.ToString(Arg(arguments, 0));
                EnsureLength(EncodedLength(text));
                return _engine.Call(original, thisObject, [JsString.Create(text)]);
            }), PropertyFlag.Writable | PropertyFlag.Configurable);
        }

        var arrays = Prototype("Array");
        Define(arrays, "join", Function("join", 1, (thisObject, arguments) => Join(thisObject, Arg(arguments, 0), locale: false)));
        Define(arrays, "toLocaleString", Function("toLocaleString", 0, (thisObject, _) => Join(thisObject, JsValue.Undefined, locale: true)));
        Nest(arrays, "toString");
        Nest(arrays, "flatMap");
        var flat = arrays.Get("flat");
        Define(arrays, "flat", Function("flat", 0, (thisObject, arguments) =>
        {
            var requested = Arg(arguments, 0).IsUndefined() ? 1 : TypeConverter.ToIntegerOrInfinity(Arg(arguments, 0));
            var clamped = Math.Min(requested, MaxNesting);
            var result = Nested(() => _engine.Call(flat, thisObject, [JsNumber.Create(clamped)]));
            if (requested > MaxNesting && result is ObjectInstance items)
            {
                var length = TypeConverter.ToLength(items.Get("length"));
                for (ulong i = 0; i < length; i++)
                {
                    if (items.Get(i.ToString(CultureInfo.InvariantCulture)).IsArray())
                    {
                        throw new SandboxNestingException();
                    }
                }
            }
            return result;
        }));

        var functions = Prototype("Function");
        var bind = functions.Get("bind");
        Define(functions, "bind", Function("bind", 1, (thisObject, arguments) =>
        {
            var chain = 0;
            for (var target = thisObject; target is BindFunction bound; target = bound.BoundTargetFunction)
            {
                if (++chain >= MaxNesting)
                {
                    throw new SandboxNestingException();
                }
            }
            return _engine.Call(bind, thisObject, arguments);
        }));
        Nest(functions, "apply");
        Nest(functions, "call");
        var reflect = _engine.Global.Get("Reflect").AsObject();
        Nest(reflect, "apply");

        // yield* and iterator helpers call the inner iterator's next through these methods, one .NET frame per level.
        foreach (var source in new[]
                 {
                     "Object.getPrototypeOf(Object.getPrototypeOf((function* () {})()))",
                     "Object.getPrototypeOf(Object.getPrototypeOf((async function* () {})()))",
                     "typeof Iterator === 'function' && Iterator.prototype.map ? Object.getPrototypeOf([].values().map(x => x)) : undefined",
                 })
        {
            if (_engine.Evaluate(source) is ObjectInstance iteratorPrototype)
            {
                foreach (var method in new[] { "next", "return", "throw" })
                {
                    Nest(iteratorPrototype, method);
                }
            }
        }

        var json = _engine.Global.Get("JSON").AsObject();
        var stringify = json.Get("stringify");
        var guarded = Function("stringify", 3, (_, arguments) => Stringify(stringify, arguments));
        Define(json, "stringify", guarded);
        Stringifiers.AddOrUpdate(_engine, guarded);
    }

    /// <summary>
    /// JSON.stringify with depth and length bounds. Jint's serializer does the work; a replacer function composed with
    /// the script's own replacer sees every value as it is serialised, records how deep it is (by its holder) and what
    /// the output has grown to, and stops the call at <see cref="MaxNesting"/> levels or at the memory budget.
    /// With a property-list replacer, keys are filtered by the list in the object's own key order.
    /// </summary>
    private JsValue Stringify(JsValue original, JsValue[] arguments)
    {
        var value = Arg(arguments, 0);
        var replacer = Arg(arguments, 1);
        var space = Arg(arguments, 2);
        var scriptReplacer = replacer.IsCallable() ? replacer : null;
        HashSet<string>? keys = null;
        if (scriptReplacer is null && replacer.IsArray())
        {
            keys = [];
            var list = replacer.AsObject();
            var length = TypeConverter.ToLength(list.Get("length"));
            for (ulong i = 0; i < length; i++)
            {
                var item = list.Get(i.ToString(CultureInfo.InvariantCulture));
                if (item.IsString() || item.IsNumber() || IsBoxed(item, "StringInstance") || IsBoxed(item, "NumberInstance"))
                {
                    keys.Add(TypeConverter.ToString(item));
                }
            }
        }
        var gap = space.IsNumber() ? Math.Clamp((int)TypeConverter.ToIntegerOrInfinity(space), 0, 10)
            : space.IsString() ? Math.Min(space.AsString().Length, 10)
            : 2;   // a Number or String object: at most 10 either way
        var depths = new Dictionary<ObjectInstance, int>(ReferenceEqualityComparer.Instance);
        var total = 0d;
        var guard = Function("", 2, (holder, pair) =>
        {
            var key = TypeConverter.ToString(Arg(pair, 0));
            var item = Arg(pair, 1);
            // One lookup: the holder's depth, or the root (Jint's wrapper object, never returned by this replacer).
            var depth = 0;
            var isRoot = holder is not ObjectInstance h || !depths.TryGetValue(h, out depth);
            if (keys is not null && !isRoot && !holder.IsArray() && !keys.Contains(key))
            {
                return JsValue.Undefined;
            }
            if (scriptReplacer is not null)
            {
                item = _engine.Call(scriptReplacer, holder, [JsString.Create(key), item]);
            }
            if (item is ObjectInstance nested && !item.IsCallable())
            {
                if (depth + 1 > MaxNesting || !RuntimeHelpers.TryEnsureSufficientExecutionStack())
                {
                    throw new SandboxNestingException();
                }
                depths[nested] = depth + 1;
            }
            // Key, quotes, colon, comma, newline and indentation, then the value's own text.
            total += key.Length * 6 + 4 + (double)gap * (depth + 1);
            total += item.IsString() ? QuotedLength(item.AsString()) : IsBoxed(item, "StringInstance") ? QuotedLength(TypeConverter.ToString(item)) : 24;
            EnsureLength(total);
            return item;
        });
        return _engine.Call(original, JsValue.Undefined, [value, guard, space]);
    }

    /// <summary>
    /// Array.prototype.join (and toLocaleString) built here so the result's length is counted before it exists, an
    /// array that contains itself joins as empty text (as in browsers), and nesting is bounded.
    /// </summary>
    private JsValue Join(JsValue thisObject, JsValue separatorArgument, bool locale)
    {
        if (thisObject is not ObjectInstance items)
        {
            if (thisObject.IsNull() || thisObject.IsUndefined())
            {
                throw new JavaScriptException(_engine.Intrinsics.TypeError, "Array.prototype.join called on null or undefined");
            }
            if (!thisObject.IsString())
            {
                return JsString.Empty;
            }
            // A string's characters are its items.
            var chars = thisObject.AsString();
            var charSeparator = locale || separatorArgument.IsUndefined() ? "," : TypeConverter.ToString(separatorArgument);
            EnsureLength(chars.Length + Math.Max(chars.Length - 1, 0) * (double)charSeparator.Length);
            return JsString.Create(string.Join(charSeparator, chars.Select(c => c.ToString())));
        }
        var length = TypeConverter.ToLength(items.Get("length"));
        var separator = locale || separatorArgument.IsUndefined() ? "," : TypeConverter.ToString(separatorArgument);
        if (length > _limits.MaxArrayLength)
        {
            throw new MemoryLimitExceededException(
                $"The array size {length} is larger than maximum allowed ({_limits.MaxArrayLength})");
        }
        if (!_joining.Add(items))
        {
            return JsString.Empty;
        }
        try
        {
            return Nested(() =>
            {
                var text = new StringBuilder();
                for (ulong i = 0; i < length; i++)
                {
                    if (i > 0)
                    {
                        EnsureLength(text.Length + (double)separator.Length);
                        text.Append(separator);
                    }
                    var item = items.Get(i.ToString(CultureInfo.InvariantCulture));
                    if (item.IsNull() || item.IsUndefined())
                    {
                        continue;
                    }
                    var part = locale ? TypeConverter.ToString(_engine.Call(_toLocaleString, JsValue.Undefined, [item])) : TypeConverter.ToString(item);
                    EnsureLength(text.Length + (double)part.Length);
                    text.Append(part);
                }
                return (JsValue)JsString.Create(text.ToString());
            });
        }
        finally
        {
            _joining.Remove(items);
        }
    }

    /// <summary>Wraps a built-in method so each call counts one level of nesting and probes the stack.</summary>
    private void Nest(ObjectInstance target, string name)
    {
        var original = target.Get(name);
        if (!original.IsCallable())
        {
            return;
        }
        var length = (int)TypeConverter.ToNumber(original.AsObject().Get("length"));
        Define(target, name, Function(name, length, (thisObject, arguments) => Nested(() => _engine.Call(original, thisObject, arguments))));
    }

    private JsValue Nested(Func<JsValue> call)
    {
        if (_nesting >= MaxNesting || !RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            throw new SandboxNestingException();
        }
        _nesting++;
        try
        {
            return call();
        }
        finally
        {
            _nesting--;
        }
    }

    /// <summary>Wraps a string method with a check on the longest result it could build.</summary>
    private void GuardLength(ObjectInstance prototype, string name, int length, Func<string, JsValue[], double> resultLength)
    {
        var original = prototype.Get(name);
        Define(prototype, name, Function(name, length, (thisObject, arguments) =>
        {
            if (thisObject.IsNull() || thisObject.IsUndefined())
            {
                return _engine.Call(original, thisObject, arguments);
            }
            // Convert once and pass the results on, so a user's toString/valueOf runs once as in the original.
            var self = TypeConverter.ToString(thisObject);
            var args = new JsValue[Math.Max(arguments.Length, length)];
            for (var i = 0; i < args.Length; i++)
            {
                args[i] = i < arguments.Length ? arguments[i] : JsValue.Undefined;
            }
            EnsureLength(resultLength(self, args));
            return _engine.Call(original, JsString.Create(self), args);
        }));
    }

    private void EnsureLength(double length)
    {
        if (length > _limits.MaxStringLength)
        {
            throw new SandboxMemoryException();
        }
    }

    private ObjectInstance Prototype(string constructor) =>
        _engine.Global.Get(constructor).AsObject().Get("prototype").AsObject();

    private ClrFunction Function(string name, int length, Func<JsValue, JsValue[], JsValue> body) =>
        new(_engine, name, body, length, PropertyFlag.Configurable);

    private static void Define(ObjectInstance target, JsValue key, ClrFunction function,
        PropertyFlag flags = PropertyFlag.Writable | PropertyFlag.Configurable) =>
        target.DefineOwnProperty(key, new PropertyDescriptor(function, flags));

    /// <summary>A String or Number object (Jint keeps those classes internal; the name is the only handle).</summary>
    private static bool IsBoxed(JsValue value, string className)
    {
        for (var type = value is ObjectInstance ? value.GetType() : null; type is not null; type = type.BaseType)
        {
            if (type.Name == className)
            {
                return true;
            }
        }
        return false;
    }

    private static JsValue Arg(JsValue[] args, int index) => index < args.Length ? args[index] : JsValue.Undefined;

    private static double PadLength(string self, JsValue[] args)
    {
        var length = TypeConverter.ToNumber(Arg(args, 0));
        args[0] = JsNumber.Create(length);
        return length;
    }

    /// <summary>An upper bound on a text-pattern replace's result; 0 (no check here) for a regex or a function.</summary>
    private static double TextReplacedLength(string self, JsValue[] args, bool all)
    {
        var pattern = Arg(args, 0);
        var replacement = Arg(args, 1);
        if (pattern is ObjectInstance || replacement.IsCallable())
        {
            return 0;   // a RegExp is bounded by its [Symbol.replace]; a function's results are counted as the script makes them
        }
        var find = TypeConverter.ToString(pattern);
        var replace = TypeConverter.ToString(replacement);
        args[0] = JsString.Create(find);
        args[1] = JsString.Create(replace);
        var occurrences = 0L;
        var at = self.IndexOf(find, StringComparison.Ordinal);
        while (at >= 0)
        {
            occurrences++;
            if (!all)
            {
                break;
            }
            var next = at + Math.Max(find.Length, 1);
            at = next > self.Length ? -1 : self.IndexOf(find, next, StringComparison.Ordinal);
        }
        // "$`" and "$'" insert text before or after the match; bound each '$' by the whole string.
        var perMatch = replace.Length + (double)replace.Count(c => c == '$') * self.Length;
        return self.Length + occurrences * perMatch;
    }

    /// <summary>
    /// An upper bound on a regex replace's result without running the regex: at most one match per position (one in all
    /// for a non-global regex); "$&amp;", "$1" or "$&lt;name&gt;" insert at most the matched text, and matches do not
    /// overlap, so each such reference adds at most the whole input once; "$`" and "$'" add up to the input per match.
    /// </summary>
    private static double RegExpReplacedLength(string text, string replacement, bool global)
    {
        double matches = global ? text.Length + 1 : 1;
        var context = 0;
        var references = 0;
        for (var i = 0; i < replacement.Length - 1; i++)
        {
            if (replacement[i] != '$')
            {
                continue;
            }
            if (replacement[i + 1] is '`' or '\'')
            {
                context++;
            }
            else
            {
                references++;
            }
        }
        return text.Length + matches * replacement.Length + references * (double)text.Length + context * matches * text.Length;
    }

    /// <summary>The longest escape of a text: three characters per UTF-8 byte, at most nine per UTF-16 unit.</summary>
    private static double EncodedLength(string text)
    {
        var total = 0d;
        foreach (var c in text)
        {
            total += char.IsAsciiLetterOrDigit(c) ? 1 : c < 0x80 ? 3 : 9;
        }
        return total;
    }

    private static double QuotedLength(string text)
    {
        var total = 2d;
        foreach (var c in text)
        {
            total += c < 0x20 || char.IsSurrogate(c) ? 6 : c is '"' or '\\' ? 2 : 1;
        }
        return total;
    }
}

/// <summary>A guarded call would have built a string beyond the memory budget.</summary>
internal sealed class SandboxMemoryException() : Exception("The script tried to build a string larger than its memory budget.");

/// <summary>A script nested data, joins, bound functions or built-in calls deeper than the sandbox allows.</summary>
internal sealed class SandboxNestingException()
    : Exception($"The script nested data or calls more than {JsSandboxGuards.MaxNesting} levels deep.");

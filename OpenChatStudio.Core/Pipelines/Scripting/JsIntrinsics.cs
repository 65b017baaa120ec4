using Acornima.Ast;
using Jint;

namespace OpenChatStudio.Core.Pipelines.Scripting;

/// <summary>
/// Freezes every built-in a script can reach, so one run cannot change what the next run on the same pooled engine
/// sees (<c>Array.prototype.x = 1</c>, <c>JSON.parse = …</c>, <c>console.log = …</c>): in strict-mode user code such a
/// write is a TypeError. The global object itself stays open — scripts declare <c>main</c> there — and
/// <see cref="JsEnginePool"/> resets its bindings after every run.
/// <para>
/// The walk starts from every global and from the intrinsics no global names (generator, async and iterator
/// prototypes), and follows prototypes, property values and accessor functions. A few properties that ordinary code
/// assigns on its own objects (<c>toString</c>, <c>constructor</c>, an error's <c>name</c> and <c>message</c>) become
/// accessors first, so assigning them on an instance still works although the prototype is frozen.
/// </para>
/// </summary>
internal static class JsIntrinsics
{
    private const string Source = """
        (function () {
          'use strict';
          const { getOwnPropertyNames, getOwnPropertySymbols, getOwnPropertyDescriptor, defineProperty, getPrototypeOf, freeze } = Object;
          const isObject = v => (typeof v === 'object' && v !== null) || typeof v === 'function';

          function overridable(target, names) {
            for (const name of names) {
              const d = getOwnPropertyDescriptor(target, name);
              if (!d || !('value' in d)) continue;
              const value = d.value;
              defineProperty(target, name, {
                get: function () { return value; },
                set: function (v) {
                  if (this === target || !isObject(this)) {
                    throw new TypeError("Cannot assign to read only property '" + name + "' of a built-in object");
                  }
                  defineProperty(this, name, { value: v, writable: true, enumerable: true, configurable: true });
                },
                enumerable: d.enumerable,
                configurable: false,
              });
            }
          }
          overridable(Object.prototype, ['constructor', 'toString', 'toLocaleString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable']);
          overridable(Function.prototype, ['toString']);
          overridable(Array.prototype, ['toString', 'constructor']);
          for (const E of [Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError, typeof AggregateError === 'function' ? AggregateError : Error]) {
            overridable(E.prototype, ['name', 'message', 'constructor', 'toString']);
          }

          const seen = new Set();
          const pending = [];
          const visit = v => { if (isObject(v) && !seen.has(v)) { seen.add(v); pending.push(v); } };
          const visitProperty = (target, key) => {
            const d = getOwnPropertyDescriptor(target, key);
            if (!d) return;
            visit(d.value);
            visit(d.get);
            visit(d.set);
          };

          const global = globalThis;
          seen.add(global);
          for (const key of getOwnPropertyNames(global)) visitProperty(global, key);
          for (const key of getOwnPropertySymbols(global)) visitProperty(global, key);
          const hidden = [
            function* () {}, async function () {}, async function* () {}, async () => {},
            (function* () {})(), (async function* () {})(),
            [][Symbol.iterator](), ''[Symbol.iterator](), new Map()[Symbol.iterator](), new Set()[Symbol.iterator](),
            /a/[Symbol.matchAll]('a'), (function () { return arguments; })(),
          ];
          if (typeof Iterator === 'function') {
            try { hidden.push([].values().map(x => x)); } catch (e) { }
            try { hidden.push(Iterator.from({ next() { return { done: true }; } })); } catch (e) { }
          }
          for (const h of hidden) visit(getPrototypeOf(h));

          while (pending.length > 0) {
            const target = pending.pop();
            visit(getPrototypeOf(target));
            for (const key of getOwnPropertyNames(target)) visitProperty(target, key);
            for (const key of getOwnPropertySymbols(target)) visitProperty(target, key);
            freeze(target);
          }
        })();
        """;

    /// <summary>The hardening script, parsed once for every engine.</summary>
    public static readonly Prepared<Script> Harden = Engine.PrepareScript(Source, source: "sandbox");
}

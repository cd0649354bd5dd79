using Microsoft.Extensions.Configuration;

namespace Gpt2Kit.Decoding;

/// <summary>One entry of an explicit processor chain: a registered processor type and its settings.</summary>
/// <param name="Type">The registered name (<c>"top_k"</c>, <c>"repetition_penalty"</c>, a plugin's name).</param>
/// <param name="Settings">The entry's settings, e.g. <c>k = 40</c>; nested lists follow the configuration convention (<c>ids:0:1</c>).</param>
/// <param name="Path">Where the entry came from, for error messages (<c>Gpt2Kit:Processors:1</c>).</param>
/// <remarks>Immutable; thread-safe.</remarks>
public sealed record ProcessorSpec(string Type, IConfiguration Settings, string Path)
{
    /// <summary>Builds a spec from plain key/value pairs, e.g. <c>ProcessorSpec.Create("top_k", ("k", "40"))</c>.</summary>
    public static ProcessorSpec Create(string type, params (string Key, string? Value)[] settings)
    {
        var values = settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value));
        var configuration = new ConfigurationBuilderLite(values);
        return new ProcessorSpec(type, configuration, type);
    }

    /// <summary>A tiny in-memory configuration so that the abstractions need no configuration implementation package.</summary>
    private sealed class ConfigurationBuilderLite(IEnumerable<KeyValuePair<string, string?>> values) : IConfiguration
    {
        private readonly Dictionary<string, string?> _values = values.ToDictionary(v => v.Key, v => v.Value, StringComparer.OrdinalIgnoreCase);

        public string? this[string key]
        {
            get => _values.TryGetValue(key, out var v) ? v : null;
            set => _values[key] = value;
        }

        public IEnumerable<IConfigurationSection> GetChildren() =>
            _values.Keys.Select(k => k.Split(':')[0]).Distinct(StringComparer.OrdinalIgnoreCase).Select(k => (IConfigurationSection)new Section(this, k, k));

        public Microsoft.Extensions.Primitives.IChangeToken GetReloadToken() => NullChangeToken.Instance;

        public IConfigurationSection GetSection(string key) => new Section(this, key, key.Split(':')[^1]);

        private sealed class Section(ConfigurationBuilderLite root, string path, string key) : IConfigurationSection
        {
            public string? this[string subKey] { get => root[path + ":" + subKey]; set => root[path + ":" + subKey] = value; }

            public string Key => key;

            public string Path => path;

            public string? Value { get => root[path]; set => root[path] = value; }

            public IEnumerable<IConfigurationSection> GetChildren() => root._values.Keys
                .Where(k => k.StartsWith(path + ":", StringComparison.OrdinalIgnoreCase))
                .Select(k => k[(path.Length + 1)..].Split(':')[0])
                .Distinct(StringComparer.OrdinalIgnoreCase)
                .Select(k => (IConfigurationSection)new Section(root, path + ":" + k, k));

            public Microsoft.Extensions.Primitives.IChangeToken GetReloadToken() => NullChangeToken.Instance;

            public IConfigurationSection GetSection(string subKey) => new Section(root, path + ":" + subKey, subKey.Split(':')[^1]);
        }

        private sealed class NullChangeToken : Microsoft.Extensions.Primitives.IChangeToken
        {
            public static readonly NullChangeToken Instance = new();

            public bool HasChanged => false;

            public bool ActiveChangeCallbacks => false;

            public IDisposable RegisterChangeCallback(Action<object?> callback, object? state) => EmptyDisposable.Instance;
        }

        private sealed class EmptyDisposable : IDisposable
        {
            public static readonly EmptyDisposable Instance = new();

            public void Dispose() { }
        }
    }
}

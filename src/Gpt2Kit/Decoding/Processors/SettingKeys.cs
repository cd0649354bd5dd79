namespace Gpt2Kit.Decoding.Processors;

/// <summary>Reads a factory setting under its short name or its Hugging Face alias.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class SettingKeys
{
    /// <summary>The key to read: <paramref name="name"/>, or <paramref name="alias"/> when only the alias is given.
    /// Giving both is an error, so that a chain never silently ignores one of them.</summary>
    public static string Choose(ProcessorArguments arguments, string name, string alias)
    {
        var hasName = arguments.Has(name);
        var hasAlias = arguments.Has(alias);
        if (hasName && hasAlias)
        {
            throw new GenerationConfigurationException(arguments.PathOf(alias), $"give either '{name}' or its alias '{alias}', not both.");
        }

        return hasAlias ? alias : name;
    }

    /// <summary>A required number under <paramref name="name"/> or <paramref name="alias"/>, within <paramref name="range"/>.</summary>
    public static double ReadNumber(ProcessorArguments arguments, string name, string alias, NumberRange range, double? defaultValue = null) =>
        arguments.GetDouble(Choose(arguments, name, alias), range, defaultValue);

    /// <summary>A required integer under <paramref name="name"/> or <paramref name="alias"/>, within <paramref name="range"/>.</summary>
    public static int ReadInteger(ProcessorArguments arguments, string name, string alias, NumberRange range, int? defaultValue = null) =>
        arguments.GetInt32(Choose(arguments, name, alias), range, defaultValue);

    /// <summary>A required, non-empty list of token ids in <c>[0, vocabSize)</c> (a single id is read as a one-id list).</summary>
    public static int[] ReadTokenIds(ProcessorArguments arguments, string name, string alias, int vocabSize)
    {
        var key = Choose(arguments, name, alias);
        var range = NumberRange.TokenIds(vocabSize);
        var ids = arguments.GetInt32List(key, (int)range.Min, (int)range.Max);
        if (ids is null || ids.Length == 0)
        {
            throw new GenerationConfigurationException(arguments.PathOf(key), null, $"a token id or a list of token ids, each {range.Describe()}");
        }

        return ids;
    }

    /// <summary>The warpers' <c>min_keep</c> (alias <c>min_tokens_to_keep</c>); by default the request's.</summary>
    public static int ReadMinTokensToKeep(ProcessorArguments arguments, ProcessorCreationContext context) =>
        ReadInteger(arguments, "min_keep", "min_tokens_to_keep", NumberRange.Integers(1), Math.Max(1, context.MinTokensToKeep));
}

namespace Gpt2Kit.Decoding.Processors;

/// <summary>A monotone condition on a cumulative mass: false up to some point, true from there on.</summary>
internal interface IMassCondition
{
    /// <summary>Whether the condition holds for the mass accumulated so far.</summary>
    bool IsMet(double cumulativeMass);
}

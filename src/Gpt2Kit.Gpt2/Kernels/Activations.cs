namespace Gpt2Kit.Gpt2.Kernels;

/// <summary>Applies the configured MLP activation in place.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class Activations
{
    /// <summary>Applies <paramref name="activation"/> to every element of <paramref name="values"/>.</summary>
    public static void Apply(Gpt2Activation activation, Span<float> values)
    {
        switch (activation)
        {
            case Gpt2Activation.GeluNew: GeluNew.Apply(values); break;
            case Gpt2Activation.Relu: Relu.Apply(values); break;
            case Gpt2Activation.Silu: SigmoidGate.Apply(values, 1f); break;
            case Gpt2Activation.QuickGelu: SigmoidGate.Apply(values, SigmoidGate.QuickGeluBeta); break;
            case Gpt2Activation.Gelu: GeluExact.Apply(values); break;
            default: throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
        }
    }
}

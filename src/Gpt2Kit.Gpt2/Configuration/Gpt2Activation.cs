namespace Gpt2Kit.Gpt2;

/// <summary>The MLP activation named by <c>activation_function</c> in a GPT-2 <c>config.json</c>.</summary>
/// <remarks>An enumeration; thread-safe.</remarks>
public enum Gpt2Activation
{
    /// <summary><c>gelu_new</c> (also <c>gelu_pytorch_tanh</c>, <c>gelu_fast</c>): <c>0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))</c>, GPT-2's own.</summary>
    GeluNew,

    /// <summary><c>relu</c>: <c>max(x, 0)</c>.</summary>
    Relu,

    /// <summary><c>silu</c> (also <c>swish</c>): <c>x·sigmoid(x)</c>.</summary>
    Silu,

    /// <summary><c>quick_gelu</c>: <c>x·sigmoid(1.702·x)</c>.</summary>
    QuickGelu,

    /// <summary><c>gelu</c>: the exact form <c>x·Φ(x) = 0.5·x·(1 + erf(x/√2))</c>.</summary>
    Gelu,
}

namespace Gpt2Kit.TorchSharp; internal static class Placeholder { }

namespace Gpt2Kit.Tests.FaultyPlugins.Dependency;

public static class Greeting
{
    public static string Name => "greeting";
}

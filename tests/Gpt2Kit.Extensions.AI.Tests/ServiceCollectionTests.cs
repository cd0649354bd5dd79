using Gpt2Kit.Decoding;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Gpt2Kit.Extensions.AI.Tests;

public sealed class ServiceCollectionTests
{
    [Fact]
    public async Task AddGpt2KitChatClient_RegistersAChatClientOverTheGenerator_StartingFromConfiguredOptions()
    {
        var generator = new ScriptedTextGenerator().Say(" hi");
        var services = new ServiceCollection();
        services.AddSingleton<ITextGenerator>(generator);
        services.Configure<GenerationOptions>(o => o.RepetitionPenalty = 1.2);
        services.AddGpt2KitChatClient(o => o.DefaultMaxOutputTokens = 17);
        await using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<IChatClient>();
        await client.GetResponseAsync("Hello");

        client.Should().BeOfType<Gpt2KitChatClient>();
        provider.GetRequiredService<IChatClient>().Should().BeSameAs(client);
        var options = generator.Requests.Single().Options!;
        options.RepetitionPenalty.Should().Be(1.2);
        options.MaxNewTokens.Should().Be(17);
        generator.Requests.Single().Prompts.Should().Equal("User: Hello\nAssistant:");
    }

    [Fact]
    public void AddGpt2KitChatClient_OnTheBuilder_ReturnsTheBuilder()
    {
        var services = new ServiceCollection();
        var builder = new Gpt2KitBuilder(services);

        builder.AddGpt2KitChatClient().Should().BeSameAs(builder);
        services.Should().ContainSingle(d => d.ServiceType == typeof(IChatClient));
    }
}

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
    public async Task AddGpt2KitChatClient_ReturnsAChatClientBuilder_ForMiddleware()
    {
        var generator = new ScriptedTextGenerator().Say(" hi");
        var services = new ServiceCollection();
        services.AddSingleton<ITextGenerator>(generator);
        var builder = new Gpt2KitBuilder(services);
        var seen = new List<string>();

        builder.AddGpt2KitChatClient().Should().BeOfType<ChatClientBuilder>().Which
            .Use(async (messages, options, next, cancellationToken) =>
            {
                seen.Add("before");
                await next(messages, options, cancellationToken);
            });
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IChatClient>();
        await client.GetResponseAsync("Hello");

        services.Should().ContainSingle(d => d.ServiceType == typeof(IChatClient));
        seen.Should().Equal("before");
        client.GetService(typeof(Gpt2KitChatClient)).Should().NotBeNull();
    }
}

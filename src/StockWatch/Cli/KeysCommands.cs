using System.CommandLine;
using StockWatch.Core;
using StockWatch.Core.Access;

namespace StockWatch.Cli;

/// <summary><c>stockwatch keys create|list|revoke</c>.</summary>
internal static class KeysCommands
{
    public static Command Create() => new("keys", "Manage API keys.") { New(), List(), Revoke() };

    private static Command New()
    {
        var role = new Option<string>("--role") { Description = "reader, writer or admin.", Required = true };
        var name = new Option<string?>("--name") { Description = "A name to recognise and revoke the key by (default <role>-<key id>)." };
        var command = new Command("create", "Create a key; it is printed once, alone on stdout, and only its hash is kept; stderr names it.") { role, name };
        command.SetHandler(async (context, _) =>
        {
            var (key, secret) = await context.Service<ApiKeys>().CreateAsync(context.Get(name), Roles.Parse(context.Get(role)));
            context.Write(new { name = key.Name, role = key.Role.ToWire(), key = secret }, output =>
            {
                output.WriteLine(secret);
                if (context.Get(name) is null)
                {
                    context.Error.WriteLine($"Created key {key.Name}; revoke it with 'stockwatch keys revoke {key.Name}'.");
                }
            });
            return CliApp.Ok;
        });
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "List keys (never their secrets).");
        command.SetReadHandler((context, _) =>
        {
            var keys = context.Service<ApiKeys>().List().Select(k => new
            {
                name = k.Name,
                role = k.Role.ToWire(),
                created_at = Timestamp.Format(k.CreatedAt),
                revoked_at = k.RevokedAt is { } at ? Timestamp.Format(at) : null,
            }).ToList();
            context.Write(keys, output => Tables.Write(output, ["name", "role", "created_at", "revoked_at"],
                keys.Select(k => new[] { k.name, k.role, k.created_at, k.revoked_at })));
            return Task.FromResult(CliApp.Ok);
        });
        return command;
    }

    private static Command Revoke()
    {
        var name = new Argument<string>("name") { Description = "The key's name." };
        var command = new Command("revoke", "Revoke a key: requests with it are refused from then on.") { name };
        command.SetHandler(async (context, _) =>
        {
            await context.Service<ApiKeys>().RevokeAsync(context.Get(name));
            context.Write(new { name = context.Get(name), revoked = true }, output => output.WriteLine($"Revoked key {context.Get(name)}."));
            return CliApp.Ok;
        });
        return command;
    }
}

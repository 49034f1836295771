using System.Text.Json.Nodes;

namespace StockWatch.Deploy.Tests;

/// <summary>Reading and editing the template as JSON: its resources, their properties, events and policy statements.</summary>
public static class Template
{
    /// <summary>A resource by its logical id.</summary>
    public static JsonObject Resource(JsonObject template, string name) => template["Resources"]![name]!.AsObject();

    /// <summary>A resource's <c>Properties</c>.</summary>
    public static JsonObject Properties(JsonObject template, string name) => Resource(template, name)["Properties"]!.AsObject();

    /// <summary>The <c>Properties</c> of a function's event.</summary>
    public static JsonObject Event(JsonObject template, string function, string name) =>
        Properties(template, function)["Events"]![name]!["Properties"]!.AsObject();

    /// <summary>The statements of a role's first inline policy.</summary>
    public static JsonArray Statements(JsonObject template, string role) =>
        Properties(template, role)["Policies"]![0]!["PolicyDocument"]!["Statement"]!.AsArray();

    /// <summary>The resources of one type, by logical id.</summary>
    public static IEnumerable<KeyValuePair<string, JsonNode>> Resources(JsonObject template, string type) =>
        template["Resources"]!.AsObject().Where(r => r.Value!["Type"]!.GetValue<string>() == type)!;

    /// <summary>Two fields of each item of a list (a key schema's names and types…).</summary>
    public static IEnumerable<(string, string)> Pairs(JsonNode? list, string first, string second) =>
        list!.AsArray().Select(item => (item![first]!.GetValue<string>(), item[second]!.GetValue<string>()));
}

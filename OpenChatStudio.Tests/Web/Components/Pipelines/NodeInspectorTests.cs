using System.Text.Json.Nodes;
using Bunit;
using OpenChatStudio.Core.Pipelines.Graph;
using OpenChatStudio.Core.Pipelines.Registry;
using OpenChatStudio.Core.Providers;
using OpenChatStudio.Web.Components.Pipelines.Designer;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Web.Components.Pipelines;

[Trait(TestLayers.Trait, TestLayers.Unit)]
public class NodeInspectorTests : BunitTestContext
{
    private static readonly NodeRegistry Registry = NodeRegistry.CreateDefault();

    public static TheoryData<string> NodeTypes()
    {
        var data = new TheoryData<string>();
        foreach (var descriptor in Registry.All)
        {
            data.Add(descriptor.TypeKey);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(NodeTypes))]
    public void NodeInspector_EveryRegisteredType_RendersAnEditorForEveryField(string typeKey)
    {
        var descriptor = Registry.Get(typeKey);

        var cut = Render(descriptor, DesignerMapper.DefaultParams(descriptor));

        Assert.NotNull(cut.Find("[data-testid=field-name] input"));
        var parameters = DesignerMapper.DefaultParams(descriptor);
        foreach (var field in descriptor.Fields.Where(f => !f.AppliesTo(parameters, descriptor.Fields)))
        {
            Assert.Empty(cut.FindAll($"[data-testid=field-{field.Name}]"));
        }
        foreach (var field in descriptor.Fields.Where(f => f.AppliesTo(parameters, descriptor.Fields)))
        {
            var editor = cut.Find($"[data-testid=field-{field.Name}]");
            Assert.Equal(field.Widget, editor.GetAttribute("data-widget"));
            Assert.True(editor.QuerySelectorAll("input, textarea, .mud-select, .mud-switch, button").Length > 0,
                $"{typeKey}.{field.Name} ({field.Widget}) has no editor");
        }
    }

    [Fact]
    public void NodeInspector_EditTextField_UpdatesParamsJsonAndKeepsUnknownKeys()
    {
        var descriptor = Registry.Get("StaticRouterNode");
        var parameters = DesignerMapper.DefaultParams(descriptor);
        parameters["future_setting"] = "keep me";
        string? changed = null;

        var cut = Render(descriptor, parameters, onChanged: f => changed = f);
        cut.Find("[data-testid=field-route_key] input").Change("topic");

        Assert.Equal("route_key", changed);
        Assert.Equal("topic", parameters["route_key"]!.GetValue<string>());
        Assert.Equal("keep me", parameters["future_setting"]!.GetValue<string>());
    }

    [Fact]
    public void NodeInspector_EditPrompt_UpdatesParamsAndListsPromptVariables()
    {
        var descriptor = Registry.Get("LLMResponseWithPrompt");
        var parameters = DesignerMapper.DefaultParams(descriptor);

        var cut = Render(descriptor, parameters);
        cut.Find("[data-testid=field-prompt] textarea").Change("Be brief. {participant_data}");

        Assert.Equal("Be brief. {participant_data}", parameters["prompt"]!.GetValue<string>());
        var variables = cut.Find("[data-testid=prompt-variables]").TextContent;
        foreach (var variable in NodeInspector.PromptVariables)
        {
            Assert.Contains(variable, variables);
        }
    }

    [Fact]
    public void NodeInspector_AddKeyword_AppendsToKeywordsArray()
    {
        var descriptor = Registry.Get("RouterNode");
        var parameters = DesignerMapper.DefaultParams(descriptor);

        var cut = Render(descriptor, parameters);
        cut.Find("[data-testid=field-keywords] [data-testid=list-add]").Click();

        Assert.Equal(3, parameters["keywords"]!.AsArray().Count);
    }

    [Fact]
    public void NodeInspector_FieldError_IsShownUnderItsField()
    {
        var descriptor = Registry.Get("StaticRouterNode");

        var cut = Render(descriptor, DesignerMapper.DefaultParams(descriptor),
            errors: [new GraphError("n1", "route_key", "Say which key to route on.")]);

        Assert.Contains("Say which key to route on.", cut.Find("[data-testid=field-route_key]").TextContent);
    }

    [Fact]
    public void NodeInspector_ReadOnly_DoesNotChangeParams()
    {
        var descriptor = Registry.Get("StaticRouterNode");
        var parameters = DesignerMapper.DefaultParams(descriptor);
        var before = parameters.ToJsonString();

        var cut = Render(descriptor, parameters, readOnly: true);
        cut.Find("[data-testid=field-route_key] input").Change("topic");

        Assert.Equal(before, parameters.ToJsonString());
        Assert.Empty(cut.FindAll("[data-testid=list-add]"));
    }

    [Fact]
    public void NodeInspector_HistoryFields_ShowOnlyWhereTheyApply()
    {
        var descriptor = Registry.Get("LLMResponseWithPrompt");
        var parameters = DesignerMapper.DefaultParams(descriptor);
        parameters["history_type"] = "none";

        var cut = Render(descriptor, parameters);
        Assert.Empty(cut.FindAll("[data-testid=field-history_name]"));
        Assert.Empty(cut.FindAll("[data-testid=field-history_mode]"));
        Assert.Empty(cut.FindAll("[data-testid=field-max_history_length]"));

        parameters["history_type"] = "named";
        cut.Render(p => p.Add(x => x.Params, parameters));
        Assert.NotNull(cut.Find("[data-testid=field-history_name] input"));
        Assert.NotNull(cut.Find("[data-testid=field-max_history_length] input"));
        Assert.Empty(cut.FindAll("[data-testid=field-user_max_token_limit]"));

        parameters["history_mode"] = "summarize";
        cut.Render(p => p.Add(x => x.Params, parameters));
        Assert.Empty(cut.FindAll("[data-testid=field-max_history_length]"));
        Assert.NotNull(cut.Find("[data-testid=field-user_max_token_limit] input"));
    }

    [Fact]
    public void NodeInspector_EnumSelect_ShowsTheLabelNotTheValue()
    {
        var descriptor = Registry.Get("StaticRouterNode");
        var parameters = DesignerMapper.DefaultParams(descriptor);
        parameters["data_source"] = "session_state";

        var cut = Render(descriptor, parameters);

        Assert.Equal("Session state", cut.Find("[data-testid=field-data_source] input").GetAttribute("value"));
    }

    [Fact]
    public void NodeInspector_Router_NamesTheDefaultRoute()
    {
        var descriptor = Registry.Get("RouterNode");
        var parameters = DesignerMapper.DefaultParams(descriptor);
        parameters["keywords"] = new JsonArray("SUPPORT", "SALES");
        parameters["default_keyword_index"] = 1;

        var cut = Render(descriptor, parameters);

        Assert.Equal("route_index", cut.Find("[data-testid=field-default_keyword_index]").GetAttribute("data-widget"));
        Assert.Equal("SALES", cut.Find("[data-testid=field-default_keyword_index] input").GetAttribute("value"));
        var items = cut.FindAll("[data-testid=field-keywords] [data-testid=list-item]");
        Assert.Empty(items[0].QuerySelectorAll("[data-testid=default-route-chip]"));
        Assert.Single(items[1].QuerySelectorAll("[data-testid=default-route-chip]"));
    }

    private IRenderedComponent<NodeInspector> Render(NodeDescriptor descriptor, JsonObject parameters, Action<string>? onChanged = null,
        IReadOnlyList<GraphError>? errors = null, bool readOnly = false) =>
        Ctx.Render<NodeInspector>(p => p
            .Add(x => x.Descriptor, descriptor)
            .Add(x => x.NodeId, "n1")
            .Add(x => x.Name, "node")
            .Add(x => x.Params, parameters)
            .Add(x => x.Errors, errors ?? [])
            .Add(x => x.ReadOnly, readOnly)
            .Add(x => x.Providers, [ProviderService.BuiltIn])
            .Add(x => x.LoadModels, _ => Task.FromResult<IReadOnlyList<string>>(["offline"]))
            .Add(x => x.OnParamsChanged, f => onChanged?.Invoke(f)));
}

[Trait(TestLayers.Trait, TestLayers.Unit)]
public class ProblemsListTests : BunitTestContext
{
    [Fact]
    public void ProblemsList_WithErrors_ListsThemByNodeNameAndRaisesSelection()
    {
        string? selected = null;
        var errors = new List<GraphError>
        {
            new(null, null, "The pipeline needs an End node."),
            new("llm-1", "prompt", "Write a prompt."),
        };

        var cut = Ctx.Render<ProblemsList>(p => p
            .Add(x => x.Errors, errors)
            .Add(x => x.NodeNames, new Dictionary<string, string> { ["llm-1"] = "assistant" })
            .Add(x => x.OnSelectNode, id => selected = id));
        var items = cut.FindAll("[data-testid=problem]");
        items[1].Click();

        Assert.Equal(2, items.Count);
        Assert.Contains("The pipeline needs an End node.", items[0].TextContent);
        Assert.Contains("assistant", items[1].TextContent);
        Assert.Contains("Write a prompt.", items[1].TextContent);
        Assert.Equal("llm-1", selected);
    }

    [Fact]
    public void ProblemsList_NoErrors_SaysSo()
    {
        var cut = Ctx.Render<ProblemsList>(p => p.Add(x => x.Errors, []));

        Assert.NotNull(cut.Find("[data-testid=no-problems]"));
        Assert.Empty(cut.FindAll("[data-testid=problem]"));
    }
}

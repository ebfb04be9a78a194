using System.Text.Json.Nodes;
using Grid.Tool;
using Grid.Tool.Cloud;

namespace Grid.Cloud.Tests;

public sealed class IamPolicyTests
{
    private static async Task<JsonObject> Policy(params string[] arguments)
    {
        var output = new ToolOutput();
        var context = new Grid.Tool.Commands.CommandContext(output.Out, output.Error, Path.GetTempPath(), TimeProvider.System, false);
        Assert.Equal(0, await GridCli.InvokeAsync(["iam-policy", .. arguments], context));
        return JsonNode.Parse(output.Out.ToString())!.AsObject();
    }

    private static List<string> Actions(JsonObject policy) =>
        policy["Statement"]!.AsArray().SelectMany(s => s!["Action"]!.AsArray().Select(a => a!.GetValue<string>())).ToList();

    [Fact]
    public async Task TheUsersPolicyCoversEveryCallAndDeletesOnlyWhatGridTagged()
    {
        var policy = await Policy();
        var actions = Actions(policy);
        foreach (string action in new[] { "ec2:CreateFleet", "ec2:RunInstances", "ec2:DeleteFleets", "ecr:GetAuthorizationToken", "ecr:PutImage", "batch:SubmitJob", "sts:GetCallerIdentity", "iam:PassRole" })
        {
            Assert.Contains(action, actions);
        }

        var destructive = policy["Statement"]!.AsArray().Single(s => s!["Sid"]!.GetValue<string>() == "ChangeOnlyWhatGridMade")!;
        Assert.Contains("ec2:TerminateInstances", destructive["Action"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(CloudNames.ManagedBy, destructive["Condition"]!["StringEquals"]![$"aws:ResourceTag/{CloudNames.ManagedByTag}"]!.GetValue<string>());
    }

    [Fact]
    public async Task TheWorkersRoleCanOnlyPullItsRepository()
    {
        var actions = Actions(await Policy("worker", "--repository", "tilestats"));
        Assert.All(actions, a => Assert.StartsWith("ecr:", a, StringComparison.Ordinal));
        Assert.DoesNotContain("ecr:PutImage", actions);
        Assert.Contains("arn:aws:ecr:*:*:repository/tilestats", (await Policy("worker", "--repository", "tilestats")).ToJsonString(), StringComparison.Ordinal);
    }
}

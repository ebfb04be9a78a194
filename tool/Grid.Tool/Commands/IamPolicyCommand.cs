using System.CommandLine;
using Grid.Tool.Cloud;

namespace Grid.Tool.Commands;

/// <summary>`dotnet grid iam-policy`: prints the IAM policy documents a real AWS setup needs.</summary>
public static class IamPolicyCommand
{
    public static Command Create(CommandContext context)
    {
        var kind = new Argument<string>("kind")
        {
            Description = "user: for whoever runs dotnet grid (or CI's role); worker: the workers' instance role; worker-trust: that role's trust policy.",
            DefaultValueFactory = _ => "user",
        };
        kind.AcceptOnlyFromAmong([.. IamPolicies.Kinds]);
        var repository = new Option<string>("--repository") { Description = "Limit image access to this ECR repository (default: any).", DefaultValueFactory = _ => "*" };
        var command = new Command("iam-policy", "Print the least-privilege IAM policy for running Grid on AWS (JSON, for `aws iam create-policy --policy-document`).") { kind, repository };
        command.SetAction(parse =>
        {
            context.Out.WriteLine(IamPolicies.For(parse.GetValue(kind)!, parse.GetValue(repository)!));
            return Diagnostics.ExitCodes.Success;
        });
        return command;
    }
}

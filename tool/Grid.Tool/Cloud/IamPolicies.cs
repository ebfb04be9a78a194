using System.Text.Json;
using System.Text.Json.Nodes;

namespace Grid.Tool.Cloud;

/// <summary>
/// The least privilege Grid needs, as IAM policy documents: for whoever runs `dotnet grid` (a user, or CI's
/// role), for the workers' instance role, and the trust policy that lets EC2 take that role. Deleting and
/// terminating are allowed only on resources tagged <c>grid:managed-by=dotnet-grid</c>, so the user's policy
/// cannot touch anything Grid did not create.
/// </summary>
public static class IamPolicies
{
    public static readonly IReadOnlyList<string> Kinds = ["user", "worker", "worker-trust"];

    public static string For(string kind, string repository = "*") => kind switch
    {
        "user" => User(repository),
        "worker" => Worker(repository),
        "worker-trust" => Document(new JsonObject
        {
            ["Effect"] = "Allow",
            ["Principal"] = new JsonObject { ["Service"] = "ec2.amazonaws.com" },
            ["Action"] = "sts:AssumeRole",
        }),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "user, worker or worker-trust"),
    };

    private static string User(string repository)
    {
        var managed = new JsonObject { ["StringEquals"] = new JsonObject { [$"aws:ResourceTag/{CloudNames.ManagedByTag}"] = CloudNames.ManagedBy } };
        return Document(
            Statement("Identity", ["sts:GetCallerIdentity"], "*"),
            Statement("Describe", [
                "ec2:DescribeFleets", "ec2:DescribeInstances", "ec2:DescribeLaunchTemplates", "ec2:DescribeSecurityGroups",
                "ec2:DescribeSubnets", "ec2:DescribeSpotPriceHistory", "ec2:DescribeImages",
                "batch:DescribeComputeEnvironments", "batch:DescribeJobQueues", "batch:DescribeJobDefinitions", "batch:DescribeJobs", "batch:ListJobs",
            ], "*"),
            Statement("Create", [
                "ec2:CreateFleet", "ec2:RunInstances", "ec2:CreateLaunchTemplate", "ec2:CreateSecurityGroup", "ec2:CreateTags",
                "batch:CreateComputeEnvironment", "batch:CreateJobQueue", "batch:RegisterJobDefinition", "batch:SubmitJob", "batch:TagResource",
            ], "*"),
            Statement("ChangeOnlyWhatGridMade", [
                "ec2:TerminateInstances", "ec2:DeleteFleets", "ec2:DeleteLaunchTemplate", "ec2:DeleteSecurityGroup", "ec2:AuthorizeSecurityGroupIngress",
                "batch:UpdateComputeEnvironment", "batch:DeleteComputeEnvironment", "batch:UpdateJobQueue", "batch:DeleteJobQueue",
                "batch:DeregisterJobDefinition", "batch:TerminateJob",
            ], "*", managed),
            Statement("ResolveWorkerAmi", ["ssm:GetParameters", "ssm:GetParameter"], "arn:aws:ssm:*::parameter/aws/service/ecs/*"),
            Statement("PassWorkerRole", ["iam:PassRole"], "*", new JsonObject
            {
                ["StringEquals"] = new JsonObject { ["iam:PassedToService"] = new JsonArray("ec2.amazonaws.com", "batch.amazonaws.com") },
            }),
            Statement("SpotServiceRoles", ["iam:CreateServiceLinkedRole"], "*", new JsonObject
            {
                ["StringEquals"] = new JsonObject { ["iam:AWSServiceName"] = new JsonArray("spot.amazonaws.com", "ec2fleet.amazonaws.com", "batch.amazonaws.com") },
            }),
            Statement("RegistryLogin", ["ecr:GetAuthorizationToken"], "*"),
            Statement("PushImage", [
                "ecr:CreateRepository", "ecr:DescribeRepositories", "ecr:PutLifecyclePolicy", "ecr:PutImageScanningConfiguration", "ecr:TagResource",
                "ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload",
                "ecr:PutImage", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer",
            ], RepositoryArn(repository)));
    }

    private static string Worker(string repository) => Document(
        Statement("RegistryLogin", ["ecr:GetAuthorizationToken"], "*"),
        Statement("PullImage", ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"], RepositoryArn(repository)));

    private static string RepositoryArn(string repository) => $"arn:aws:ecr:*:*:repository/{repository}";

    private static JsonObject Statement(string sid, string[] actions, string resource, JsonObject? condition = null)
    {
        var statement = new JsonObject
        {
            ["Sid"] = sid,
            ["Effect"] = "Allow",
            ["Action"] = new JsonArray([.. actions.Select(a => (JsonNode)a)]),
            ["Resource"] = resource,
        };
        if (condition is not null)
        {
            statement["Condition"] = condition;
        }

        return statement;
    }

    private static string Document(params JsonObject[] statements) =>
        new JsonObject { ["Version"] = "2012-10-17", ["Statement"] = new JsonArray([.. statements]) }
            .ToJsonString(new JsonSerializerOptions { WriteIndented = true });
}

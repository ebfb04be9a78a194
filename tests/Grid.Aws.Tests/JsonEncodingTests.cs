using System.Net;
using Grid.Aws.Batch;
using Grid.Aws.Ecr;

namespace Grid.Aws.Tests;

/// <summary>ECR (JSON 1.1) and Batch (REST-JSON) requests equal botocore's: path, target, media type and body.</summary>
public class JsonEncodingTests
{
    [Fact]
    public async Task EcrCreateRepositoryPostsJson11WithTargetAsBotocoreDoes()
    {
        var handler = new FakeHandler().Answer(HttpStatusCode.OK,
            """{"repository":{"repositoryArn":"arn:aws:ecr:us-east-1:123456789012:repository/tiles","registryId":"123456789012","repositoryName":"tiles","repositoryUri":"123456789012.dkr.ecr.us-east-1.amazonaws.com/tiles","createdAt":1.7637264E9}}""",
            "application/x-amz-json-1.1");

        var repository = await handler.Clients().Clients.Ecr.CreateRepositoryAsync(
            new CreateRepositoryRequest("tiles", ScanOnPush: true, [new EcrTag("grid:job", "tiles")]));

        var expected = Vectors.Json("CreateRepository");
        var request = handler.Requests[0];
        Assert.Equal("/", request.Uri.AbsolutePath);
        Assert.Equal(expected["target"]!.GetValue<string>(), request.Headers["x-amz-target"]);
        Assert.Equal(expected["contentType"]!.GetValue<string>(), request.ContentType);
        Assert.True(Vectors.SameJson(expected["body"], Vectors.ParseBody(request.Body)), request.Body);
        Assert.Equal("123456789012.dkr.ecr.us-east-1.amazonaws.com/tiles", repository.RepositoryUri);
        Assert.Equal(new DateTimeOffset(2025, 11, 21, 12, 0, 0, TimeSpan.Zero), repository.CreatedAt);
    }

    [Fact]
    public async Task BatchSubmitJobAndCreateComputeEnvironmentPostToTheirPathsAsBotocoreDoes()
    {
        var handler = new FakeHandler()
            .Answer(HttpStatusCode.OK, """{"jobId":"6f0b","jobName":"grid-tiles","jobArn":"arn:aws:batch:us-east-1:123456789012:job/6f0b"}""", "application/json")
            .Answer(HttpStatusCode.OK, """{"computeEnvironmentName":"grid-tiles","computeEnvironmentArn":"arn:x"}""", "application/json");
        var batch = handler.Clients().Clients.Batch;

        var job = await batch.SubmitJobAsync(new SubmitJobRequest("grid-tiles", "grid-tiles", "grid-tiles", 4,
            new Dictionary<string, string> { ["GRID_HEAD"] = "10.0.0.1:7700" }, new Dictionary<string, string> { ["grid:job"] = "tiles" }));
        await batch.CreateComputeEnvironmentAsync(new CreateComputeEnvironmentRequest(
            "grid-tiles", 16, ["c7g.large"], ["subnet-1"], ["sg-1"], "grid-worker", new Dictionary<string, string> { ["grid:job"] = "tiles" }));

        foreach (var (operation, request) in new[] { ("SubmitJob", handler.Requests[0]), ("CreateComputeEnvironment", handler.Requests[1]) })
        {
            var expected = Vectors.Json(operation);
            Assert.Equal(expected["path"]!.GetValue<string>(), request.Uri.AbsolutePath);
            Assert.Equal(expected["contentType"]!.GetValue<string>(), request.ContentType);
            Assert.False(request.Headers.ContainsKey("x-amz-target"));
            Assert.True(Vectors.SameJson(expected["body"], Vectors.ParseBody(request.Body)), request.Body);
        }
        Assert.Equal("6f0b", job.JobId);
    }

    [Fact]
    public void EcrAuthorizationTokenDecodesToUserAndPassword()
    {
        var token = Convert.ToBase64String("AWS:s3cr:et"u8.ToArray());
        var authorization = new EcrAuthorization(token, DateTimeOffset.UnixEpoch, "https://123456789012.dkr.ecr.us-east-1.amazonaws.com");

        Assert.Equal(("AWS", "s3cr:et"), authorization.Credentials);
        Assert.Equal("123456789012.dkr.ecr.us-east-1.amazonaws.com", authorization.Registry);
    }

    [Fact]
    public void TheLifecyclePolicyExpiresUntaggedImagesAndIsValidJson()
    {
        var rule = System.Text.Json.Nodes.JsonNode.Parse(EcrClient.ExpireUntaggedPolicy(7))!["rules"]![0]!;

        Assert.Equal("untagged", rule["selection"]!["tagStatus"]!.GetValue<string>());
        Assert.Equal(7, rule["selection"]!["countNumber"]!.GetValue<int>());
        Assert.Equal("expire", rule["action"]!["type"]!.GetValue<string>());
    }
}

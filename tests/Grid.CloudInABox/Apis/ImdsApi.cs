using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Grid.CloudInABox.State;
using Microsoft.AspNetCore.Http;

namespace Grid.CloudInABox.Apis;

/// <summary>
/// IMDSv2 for each emulated instance, under <c>/imds/&lt;instance-id&gt;/</c> on the emulator's port (so
/// <c>AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:PORT/imds/i-0abc.../</c>). Tokens only: a GET without a
/// valid <c>X-aws-ec2-metadata-token</c> is refused with 401, as with HttpTokens=required. A token is bound to
/// the instance it was issued for.
/// </summary>
public sealed class ImdsApi(CloudState state)
{
    private readonly Dictionary<string, (string InstanceId, DateTimeOffset Expires)> _tokens = [];

    /// <summary>Answers <paramref name="rest"/> (the path after <c>/imds/&lt;id&gt;</c>) for instance <paramref name="instanceId"/>.</summary>
    public (int Status, string Body, string ContentType) Handle(string method, string instanceId, string rest, IHeaderDictionary headers)
    {
        var now = state.Options.Time.GetUtcNow();
        if (!state.Instances.TryGetValue(instanceId, out var instance) || instance.State == "terminated")
        {
            // A terminated instance has no metadata service left to answer.
            return (404, "", "text/plain");
        }
        if (rest == "/latest/api/token")
        {
            if (method != "PUT")
            {
                return (405, "", "text/plain");
            }
            if (!int.TryParse(headers["X-aws-ec2-metadata-token-ttl-seconds"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var ttl) ||
                ttl is < 1 or > 21600)
            {
                return (400, "", "text/plain");
            }
            var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(42));
            _tokens[token] = (instanceId, now.AddSeconds(ttl));
            return (200, token, "text/plain");
        }
        if (method != "GET")
        {
            return (405, "", "text/plain");
        }
        var presented = headers["X-aws-ec2-metadata-token"].ToString();
        if (!_tokens.TryGetValue(presented, out var issued) || issued.InstanceId != instanceId || issued.Expires < now)
        {
            return (401, "", "text/plain");
        }
        return rest switch
        {
            "/latest/meta-data/instance-id" => (200, instance.InstanceId, "text/plain"),
            "/latest/meta-data/instance-type" => (200, instance.InstanceType, "text/plain"),
            "/latest/meta-data/ami-id" => (200, instance.ImageId, "text/plain"),
            "/latest/meta-data/local-ipv4" => (200, instance.PrivateIpAddress, "text/plain"),
            "/latest/meta-data/instance-life-cycle" => (200, instance.Lifecycle, "text/plain"),
            "/latest/meta-data/placement/availability-zone" => (200, instance.Subnet.AvailabilityZone, "text/plain"),
            "/latest/meta-data/placement/region" => (200, state.Options.Region, "text/plain"),
            "/latest/meta-data/spot/instance-action" when instance.InterruptionAt is { } at => (200, new JsonObject
            {
                ["action"] = "terminate",
                ["time"] = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            }.ToJsonString(), "application/json"),
            "/latest/meta-data/spot/termination-time" when instance.InterruptionAt is { } at =>
                (200, at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), "text/plain"),
            "/latest/dynamic/instance-identity/document" => (200, new JsonObject
            {
                ["accountId"] = state.Options.AccountId, ["architecture"] = "x86_64", ["availabilityZone"] = instance.Subnet.AvailabilityZone,
                ["imageId"] = instance.ImageId, ["instanceId"] = instance.InstanceId, ["instanceType"] = instance.InstanceType,
                ["privateIp"] = instance.PrivateIpAddress, ["region"] = state.Options.Region, ["version"] = "2017-09-30",
                ["pendingTime"] = instance.LaunchTime.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            }.ToJsonString(), "application/json"),
            _ => (404, "", "text/plain"),
        };
    }
}

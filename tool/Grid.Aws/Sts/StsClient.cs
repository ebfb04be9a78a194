using Grid.Aws.Core;
using Grid.Aws.Wire;

namespace Grid.Aws.Sts;

/// <summary>STS over the query protocol (form-encoded POST, XML answer), API version 2011-06-15.</summary>
public sealed class StsClient(AwsHttpCore core) : ISts
{
    public const string ApiVersion = "2011-06-15";

    public async Task<CallerIdentity> GetCallerIdentityAsync(CancellationToken cancellationToken = default)
    {
        var root = await QueryWire.SendAsync(core, AwsService.Sts, new QueryWriter("GetCallerIdentity", ApiVersion),
            "GetCallerIdentity", cancellationToken);
        var result = root.Child("GetCallerIdentityResult") ?? throw new FormatException("no GetCallerIdentityResult");
        return new CallerIdentity(result.RequiredText("Account"), result.RequiredText("Arn"), result.RequiredText("UserId"));
    }
}

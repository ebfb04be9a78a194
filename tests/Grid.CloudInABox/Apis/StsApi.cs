using System.Xml.Linq;
using Grid.CloudInABox.State;
using Grid.CloudInABox.Wire;

namespace Grid.CloudInABox.Apis;

/// <summary>STS's query API (2011-06-15): GetCallerIdentity.</summary>
public sealed class StsApi(CloudState state)
{
    public static readonly XNamespace Ns = "https://sts.amazonaws.com/doc/2011-06-15/";

    public XElement Handle(string action, string accessKeyId, string requestId)
    {
        if (action != "GetCallerIdentity")
        {
            throw new ApiException("InvalidAction", $"Could not find operation {action} for version 2011-06-15");
        }
        return new XElement(Ns + "GetCallerIdentityResponse",
            new XElement(Ns + "GetCallerIdentityResult",
                new XElement(Ns + "Arn", $"arn:aws:iam::{state.Options.AccountId}:user/grid"),
                new XElement(Ns + "UserId", "AIDA" + accessKeyId[4..].ToUpperInvariant()),
                new XElement(Ns + "Account", state.Options.AccountId)),
            new XElement(Ns + "ResponseMetadata", new XElement(Ns + "RequestId", requestId)));
    }

    public static XElement ErrorDocument(string code, string message, string requestId) =>
        new(Ns + "ErrorResponse",
            new XElement(Ns + "Error", new XElement(Ns + "Type", "Sender"), new XElement(Ns + "Code", code), new XElement(Ns + "Message", message)),
            new XElement(Ns + "RequestId", requestId));
}

using System.Xml.Linq;
using Grid.Aws.Core;

namespace Grid.Aws.Wire;

/// <summary>Sends a query-protocol call and hands back the answer's root element.</summary>
public static class QueryWire
{
    public static async Task<XElement> SendAsync(
        AwsHttpCore core, AwsService service, QueryWriter query, string operation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(core);
        ArgumentNullException.ThrowIfNull(query);
        var response = await core.SendAsync(
            new AwsRequest(service, operation, "/", QueryWriter.ContentType, query.ToBody()), cancellationToken);
        try
        {
            return XmlNode.Parse(response.Body);
        }
        catch (System.Xml.XmlException e)
        {
            throw new AwsException(service.Id, operation, "MalformedResponse", e.Message, response.RequestId, System.Net.HttpStatusCode.OK, e);
        }
    }
}
